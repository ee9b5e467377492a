import HomelabCore
import Synchronization
import Testing

/// The one dispatcher every provider is built on: it finds the handler by type, converts typed
/// attributes both ways with errors that name the resource and attribute, and shares clients.
@Suite struct HandlerProviderTests {
    struct LampAttributes: Codable, Sendable, Equatable {
        var name: String
        var colours: [String]
        var serial: Computed<String>
    }

    /// The client: where the lamps are.
    final class Bench: Sendable {
        let lamps = Mutex<[String: LampAttributes]>([:])
    }

    enum LampHandler: ResourceHandler {
        static let type = ResourceType(name: "test_lamp", provider: "lamps")

        static func read(_ request: TypedRead<LampAttributes>, using bench: Bench) async throws -> LampAttributes? {
            bench.lamps.withLock { $0[request.prior.name] }
        }
        static func create(_ request: TypedCreate<LampAttributes>, using bench: Bench) async throws -> LampAttributes {
            var lamp = request.desired
            lamp.serial = .known("S-\(lamp.name)")
            try request.created(lamp)
            bench.lamps.withLock { $0[lamp.name] = lamp }
            return lamp
        }
        static func update(_ request: TypedUpdate<LampAttributes>, using bench: Bench) async throws -> LampAttributes {
            // Typed prior and desired: a change of one list element is a plain inequality.
            #expect(request.prior.colours != request.desired.colours)
            bench.lamps.withLock { $0[request.desired.name] = request.desired }
            return request.desired
        }
        static func delete(_ request: TypedDelete<LampAttributes>, using bench: Bench) async throws {
            _ = bench.lamps.withLock { $0.removeValue(forKey: request.prior.name) }
        }
    }

    final class LampProvider: HandlerProvider<Bench>, @unchecked Sendable {
        init(bench: Bench) {
            let cache = ClientCache<Bench>()
            super.init(name: "lamps", handlers: [LampHandler.self]) { _ in
                try await cache.client(for: "bench") { bench }
            }
        }
    }

    final class Counter: Sendable { let count = Mutex(0) }

    func context(_ type: ResourceType = LampHandler.type) -> ResourceContext {
        ResourceContext(address: ResourceAddress(kind: "lamp", name: "desk"), type: type)
    }

    @Test func typedOperationsRoundTripThroughTheEngineSeam() async throws {
        let bench = Bench()
        let provider = LampProvider(bench: bench)
        let desired = try AttributeEncoder().encode(LampAttributes(name: "desk", colours: ["red", "blue"], serial: .unknown))
        let reported = Mutex<Value?>(nil)
        let created = try await provider.create(
            CreateRequest(resource: context(), attributes: desired, created: { value in reported.withLock { $0 = value } }))
        #expect(created.attributes["serial"] == .string("S-desk"))
        #expect(reported.withLock { $0 }?["serial"] == .string("S-desk"), "created(_:) reaches the engine as a Value")

        let changed = created.attributes.with("colours", .strings(["red", "green"]))
        let updated = try await provider.update(
            UpdateRequest(resource: context(), prior: created.attributes, attributes: changed, changedAttributes: ["colours"]))
        #expect(updated.attributes["colours"] == .strings(["red", "green"]))
        #expect(try await provider.read(ReadRequest(resource: context(), attributes: changed)).attributes == changed)
        _ = try await provider.delete(DeleteRequest(resource: context(), prior: changed))
        #expect(try await provider.read(ReadRequest(resource: context(), attributes: changed)).attributes == nil)
    }

    @Test func attributesThatDoNotFitNameTheResourceAndTheAttribute() async throws {
        let provider = LampProvider(bench: Bench())
        let wrong: Value = ["name": "desk", "colours": .strings(["red"]), "serial": .int(7)]
        let error = await #expect(throws: ProviderError.self) {
            _ = try await provider.read(ReadRequest(resource: context(), attributes: wrong))
        }
        #expect(
            error?.description == "lamp.desk: the stored attributes do not fit test_lamp: attribute 'serial': expected String")
    }

    @Test func aTypeWithoutAHandlerIsAClearError() async throws {
        let provider = LampProvider(bench: Bench())
        let other = ResourceType(name: "test_bulb", provider: "lamps")
        let error = await #expect(throws: ProviderError.self) {
            _ = try await provider.read(ReadRequest(resource: context(other), attributes: [:]))
        }
        #expect(error?.description == "the lamps provider has no resource type test_bulb (lamp.desk)")
    }

    @Test func aClientIsMadeOncePerKeyAndAFailedAttemptIsNotKept() async throws {
        let cache = ClientCache<Bench>()
        let attempts = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    _ = try await cache.client(for: "a") {
                        attempts.count.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(20))
                        return Bench()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(attempts.count.withLock { $0 } == 1, "twenty first uses share one attempt")
        #expect(cache.all.count == 1)

        struct Refused: Error {}
        await #expect(throws: Refused.self) { _ = try await cache.client(for: "b") { throw Refused() } }
        let second = try await cache.client(for: "b") { Bench() }
        #expect(cache.all.contains { $0 === second }, "the failed attempt was not kept; the next one connects")
    }
}
