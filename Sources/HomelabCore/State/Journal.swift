import Foundation

/// One line of the append-only journal written during apply.
///
/// The journal makes "persist after every operation" cost O(size of the change) rather than a
/// rewrite of the whole state (Terraform's O(n²) apply); it is folded into the state file once at
/// the end of the run, and replayed on the next load if the run died first.
public struct JournalRecord: Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Written before a provider call: the intent.
        case begin
        /// The call finished and the resource is now this.
        case put
        /// The call finished and the resource is gone.
        case remove
        /// The call finished without changing state (it failed).
        case end
        case outputs
    }

    public var kind: Kind
    public var address: ResourceAddress?
    public var pending: PendingOperation?
    public var resource: ResourceState?
    public var outputs: [String: StateFileFormat.StoredOutput]?

    public static func begin(_ operation: PendingOperation) -> JournalRecord {
        JournalRecord(kind: .begin, address: operation.address, pending: operation)
    }
    public static func put(_ resource: ResourceState) -> JournalRecord {
        JournalRecord(kind: .put, address: resource.address, resource: resource)
    }
    public static func remove(_ address: ResourceAddress) -> JournalRecord {
        JournalRecord(kind: .remove, address: address)
    }
    public static func end(_ address: ResourceAddress) -> JournalRecord { JournalRecord(kind: .end, address: address) }
}

/// The first line of a journal: which state it continues.
public struct JournalHeader: Sendable, Hashable, Codable {
    public var journal: Int
    public var lineage: String
    public var serial: Int

    public init(journal: Int, lineage: String, serial: Int) {
        self.journal = journal
        self.lineage = lineage
        self.serial = serial
    }
}

extension State {
    /// Applies journal records in order. Operations begun but never ended become pending
    /// operations, which the next plan resolves by reading the real object.
    public mutating func replay(_ records: [JournalRecord]) {
        var pending: [ResourceAddress: PendingOperation] = [:]
        for operation in pendingOperations { pending[operation.address] = operation }
        for record in records {
            switch record.kind {
            case .begin:
                if let operation = record.pending { pending[operation.address] = operation }
            case .put:
                if let resource = record.resource {
                    resources[resource.address] = resource
                    pending[resource.address] = nil
                }
            case .remove:
                if let address = record.address {
                    resources[address] = nil
                    pending[address] = nil
                }
            case .end:
                if let address = record.address { pending[address] = nil }
            case .outputs:
                if let stored = record.outputs {
                    outputs = stored.mapValues {
                        OutputState(value: $0.value.markingSensitive($0.sensitivePaths), sensitive: $0.sensitive)
                    }
                }
            }
        }
        pendingOperations = pending.values.sorted { $0.address < $1.address }
    }
}

/// Parses a journal file's bytes. A torn last line (the process died mid-write) is ignored.
enum JournalParser {
    struct Parsed {
        var header: JournalHeader
        var records: [JournalRecord]
        /// Bytes up to the end of the last whole line: where the next record goes.
        var validLength: Int
    }

    static func parse(_ data: Data) -> Parsed? {
        let decoder = JSONDecoder()
        var lineStart = data.startIndex
        var parsed: Parsed?
        while let newline = data[lineStart...].firstIndex(of: 0x0A) {
            let line = data[lineStart..<newline]
            lineStart = newline + 1
            if line.isEmpty { continue }
            if parsed == nil {
                guard let header = try? decoder.decode(JournalHeader.self, from: Data(line)) else { return nil }
                parsed = Parsed(header: header, records: [], validLength: lineStart - data.startIndex)
            } else {
                guard let record = try? decoder.decode(JournalRecord.self, from: Data(line)) else { break }
                parsed?.records.append(record)
                parsed?.validLength = lineStart - data.startIndex
            }
        }
        return parsed
    }
}
