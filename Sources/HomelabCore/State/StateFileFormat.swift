import Foundation

/// The on-disk JSON form of ``State``, and its versioning rules.
public struct StateFileFormat: Codable, Sendable {
    public var formatVersion: Int
    public var serial: Int
    public var lineage: String
    public var resources: [ResourceState]
    public var outputs: [String: StoredOutput]
    public var pendingOperations: [PendingOperation]

    /// Outputs keep their sensitive values in the 0600 state file, flagged, never printed.
    public struct StoredOutput: Codable, Sendable {
        public var value: Value
        public var sensitivePaths: [ValuePath]
        public var sensitive: Bool
    }

    public init(_ state: State) {
        formatVersion = State.currentFormatVersion
        serial = state.serial
        lineage = state.lineage
        resources = state.resources.values.sorted { $0.address < $1.address }
        outputs = state.outputs.mapValues { output in
            let split = output.value.extractingSensitivePaths()
            return StoredOutput(value: split.value, sensitivePaths: split.sensitivePaths, sensitive: output.sensitive)
        }
        pendingOperations = state.pendingOperations
    }

    public var state: State {
        var byAddress: [ResourceAddress: ResourceState] = [:]
        byAddress.reserveCapacity(resources.count)
        for resource in resources { byAddress[resource.address] = resource }
        return State(
            serial: serial,
            lineage: lineage,
            resources: byAddress,
            outputs: outputs.mapValues {
                OutputState(value: $0.value.markingSensitive($0.sensitivePaths), sensitive: $0.sensitive)
            },
            pendingOperations: pendingOperations
        )
    }

    public static func encode(_ state: State) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(StateFileFormat(state))
        data.append(0x0A)
        return data
    }

    /// Decodes a state file, with a clear error for empty, truncated, corrupt or newer files.
    public static func decode(_ data: Data, path: String) throws(StateError) -> State {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw StateError.corrupt(path: path, reason: "the file is empty")
        }
        struct VersionProbe: Decodable { var formatVersion: Int? }
        let probe: VersionProbe
        do {
            probe = try JSONDecoder().decode(VersionProbe.self, from: data)
        } catch {
            let reason = data.last == 0x0A || data.last == 0x7D ? "it is not valid JSON" : "it looks truncated"
            throw StateError.corrupt(path: path, reason: reason)
        }
        guard let version = probe.formatVersion else {
            throw StateError.corrupt(path: path, reason: "it has no formatVersion; it is not a HomelabKit state file")
        }
        guard version <= State.currentFormatVersion else {
            throw StateError.newerFormat(path: path, version: version, supported: State.currentFormatVersion)
        }
        do {
            return try JSONDecoder().decode(StateFileFormat.self, from: data).state
        } catch {
            throw StateError.corrupt(path: path, reason: "its content does not match the state format (\(error))")
        }
    }
}

public enum StateError: Error, Sendable, CustomStringConvertible {
    case corrupt(path: String, reason: String)
    case newerFormat(path: String, version: Int, supported: Int)
    case locked(LockInfo, path: String)
    case lockMismatch(expected: String, found: String?)
    case io(path: String, operation: String, errno: Int32)
    case stalePlan(planSerial: Int, stateSerial: Int)
    case lineageMismatch(plan: String, state: String)
    case journalMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .corrupt(let path, let reason):
            return "the state file \(path) cannot be read: \(reason). The previous version is kept in \(path).backup."
        case .newerFormat(let path, let version, let supported):
            return
                "the state file \(path) has format version \(version), newer than this HomelabKit supports (\(supported)); upgrade HomelabKit"
        case .locked(let info, let path):
            return """
                the state \(path) is locked:
                  ID:        \(info.id)
                  Operation: \(info.operation)
                  Who:       \(info.who)
                  Since:     \(info.created)
                The kernel releases it when that run ends, however it ends. If that run is hung, or \
                runs on another machine sharing this file, `force-unlock \(info.id)` removes the lock.
                """
        case .lockMismatch(let expected, let found):
            return "the lock ID \(expected) does not match the current lock (\(found ?? "none"))"
        case .io(let path, let operation, let errno):
            return "could not \(operation) \(path): \(String(cString: strerror(errno)))"
        case .stalePlan(let planSerial, let stateSerial):
            return
                "the saved plan was made for state serial \(planSerial), but the state is now at serial \(stateSerial); run plan again"
        case .journalMismatch(let path, let reason):
            return """
                the journal \(path) does not continue this state: \(reason). It may hold the record of \
                objects an interrupted run created, so it is not ignored. Check that the state file is the \
                right one; once its content is no longer needed, move the journal aside and run again.
                """
        case .lineageMismatch(let plan, let state):
            return "the saved plan belongs to state lineage \(plan), not to this state (\(state))"
        }
    }
}
