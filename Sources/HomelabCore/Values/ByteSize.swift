/// A size in bytes, written `.mib(8192)` or `.gib(32)` so every line stays a plain literal.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static func mib(_ value: Int) -> ByteSize { scaled(value, 1_048_576) }
    public static func gib(_ value: Int) -> ByteSize { scaled(value, 1_073_741_824) }
    public static func tib(_ value: Int) -> ByteSize { scaled(value, 1_099_511_627_776) }

    /// A size too large for 64 bits: declarations refuse it at validate time instead of trapping.
    public static let overflow = ByteSize(bytes: Int64.max)
    public var isOverflow: Bool { bytes == Int64.max }

    private static func scaled(_ value: Int, _ unit: Int64) -> ByteSize {
        let (bytes, overflowed) = Int64(value).multipliedReportingOverflow(by: unit)
        return overflowed ? overflow : ByteSize(bytes: bytes)
    }

    public var mebibytes: Int { Int(bytes / 1_048_576) }
    public var gibibytes: Int { Int(bytes / 1_073_741_824) }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    public var description: String {
        if bytes % 1_073_741_824 == 0 { return "\(gibibytes) GiB" }
        return "\(mebibytes) MiB"
    }
}
