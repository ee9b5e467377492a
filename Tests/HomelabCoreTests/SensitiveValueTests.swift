import Foundation
import HomelabKit
import HomelabKitTesting
import Testing

@Suite struct SensitiveValueTests {
    let secret = "s3cr3t-token-value"

    /// Issue #11 g: a value interpolated into any message (a provider's own error, say) is redacted.
    @Test func interpolatedValuesNeverShowASecret() {
        let value: Value = ["user": "root", "token": .sensitive("s3cret-token")]
        let optional: Value? = value
        for text in ["\(value)", String(describing: value), String(reflecting: value), "\(String(describing: optional))", "\([value])"] {
            #expect(!text.contains("s3cret-token"), "\(text)")
            #expect(text.contains(Value.sensitiveMarker) && text.contains("root"), "\(text)")
        }
    }

    @Test func sensitivePathsRoundTrip() {
        let value: Value = ["user": "media", "auth": ["token": .sensitive(.string(secret))], "keys": [.sensitive("k")]]
        let split = value.extractingSensitivePaths()
        #expect(split.sensitivePaths.map(\.description) == ["auth.token", "keys[0]"])
        #expect(split.value.markingSensitive(split.sensitivePaths) == value)
        #expect(!ValueFormatter.format(value).contains(secret))
    }

    @Test func secretsNeverReachPlansOutputsOrState() async throws {
        let lab = Lab("t") {
            DataResource("creds", input: ["token": .sensitive(.string(secret)), "user": "media"])
            Output("token", resource: "data.creds", attribute: "input.token")
        }
        let test = try TestWorkspace(lab: lab)
        let plan = try await test.plan()
        let text = PlanRenderer().render(plan)
        let json = String(decoding: try plan.encoded(), as: UTF8.self)
        #expect(!text.contains(secret) && text.contains(Value.sensitiveMarker))
        #expect(!json.contains(secret))
        try await test.apply()
        let state = try test.workspace.loadState()
        #expect(state["data.creds"]?.sensitivePaths.map(\.description) == ["input.token", "output.token"])
        #expect(state.outputs["token"]?.sensitive == true)
        let rendered = ValueFormatter.format(state.outputs["token"]?.value ?? .null)
        #expect(!rendered.contains(secret))
        // A change to a secret shows as a change without showing either value.
        let changed = test.replacing(
            graph: try Lab("t") {
                DataResource("creds", input: ["token": .sensitive("other-secret"), "user": "media"])
            }.compile())
        let update = PlanRenderer().render(try await changed.plan())
        #expect(update.contains("~ resource \"homelab_data\" \"creds\""))
        #expect(!update.contains(secret) && !update.contains("other-secret"))
    }

    @Test func secretReferenceErrorsNameTheSourceOnly() throws {
        #expect {
            _ = try SecretReference.environment("PVE_TOKEN").resolve(environment: [:])
        } throws: { "\($0)" == "environment variable PVE_TOKEN is not set" }
        #expect(try SecretReference.environment("PVE_TOKEN").resolve(environment: ["PVE_TOKEN": secret]) == secret)
    }
}
