import HomelabCore
import Testing

/// Typed attribute structs cross the engine's seam as ``Value``s and come back whole.
@Suite struct AttributeCodingTests {
    struct Disk: Codable, Sendable, Equatable {
        var size: ByteSize
        var tags: [String]
    }

    struct Machine: Codable, Sendable, Equatable {
        var name: String
        var cores: Int
        var ratio: Double
        var started: Bool
        var gateway: String?
        var disks: [Disk]
        var mac: Computed<String?>
        var password: Sensitive<String>
        var extra: Value
    }

    let machine = Machine(
        name: "web", cores: 2, ratio: 0.5, started: true, gateway: nil,
        disks: [Disk(size: .mib(3584), tags: ["a", "b"])], mac: .unknown, password: Sensitive("hunter2"),
        extra: ["anything": .array([.int(1), .null])])

    @Test func aStructBecomesTheValueTheEngineDiffsAndComesBackEqual() throws {
        let value = try AttributeEncoder().encode(machine)
        #expect(value["name"] == .string("web"))
        #expect(value["cores"] == .int(2))
        #expect(value["ratio"] == .double(0.5))
        #expect(value["gateway"] == .null, "a nil optional is written as null, so clearing it shows as a change")
        #expect(value["disks"]?.arrayValue?.first?["size"] == .string("3584M"), "sizes are exact PVE strings")
        #expect(value["disks"]?.arrayValue?.first?["tags"] == .strings(["a", "b"]))
        #expect(value["mac"] == .unknown)
        #expect(value["password"] == .sensitive(.string("hunter2")))
        #expect(value["extra"] == ["anything": .array([.int(1), .null])])
        #expect(try AttributeDecoder().decode(Machine.self, from: value) == machine)

        var known = machine
        known.mac = .known("BC:24:11:2E:C5:4A")
        #expect(try AttributeDecoder().decode(Machine.self, from: try AttributeEncoder().encode(known)).mac == .known("BC:24:11:2E:C5:4A"))
    }

    @Test func unknownAndSensitiveValuesFitOnlyFieldsTypedForThem() throws {
        let value = try AttributeEncoder().encode(machine)
        let unknownName = value.with("name", .unknown)
        #expect(throws: DecodingError.self) { try AttributeDecoder().decode(Machine.self, from: unknownName) }
        // A secret in a plain field would lose its redaction on the way back: refused.
        let sensitiveName = value.with("name", .sensitive(.string("web")))
        let error = #expect(throws: DecodingError.self) { try AttributeDecoder().decode(Machine.self, from: sensitiveName) }
        #expect(error?.attributeMessage.contains("attribute 'name'") == true)
    }

    @Test func aMismatchNamesTheAttributeAndItsPath() throws {
        let value = try AttributeEncoder().encode(machine)
        let wrongSize = value.with("disks", .array([["size": .string("lots"), "tags": .strings([])]]))
        let error = #expect(throws: DecodingError.self) { try AttributeDecoder().decode(Machine.self, from: wrongSize) }
        #expect(error?.attributeMessage == "attribute 'disks[0].size': unreadable ('lots' is not a PVE size)")
        let missing = Value.object((value.objectValue ?? [:]).filter { $0.key != "cores" })
        let missingError = #expect(throws: DecodingError.self) { try AttributeDecoder().decode(Machine.self, from: missing) }
        #expect(missingError?.attributeMessage == "attribute 'cores' is missing")
    }
}
