import Foundation

/// A NoCloud seed image: an ISO 9660 file system with Joliet names and the volume label `cidata`,
/// holding `user-data` and `meta-data` (and optionally `network-config`). cloud-init and Ubuntu's
/// installer find it by that label on any attached CD-ROM. Written here, byte by byte, so building
/// a template needs no `genisoimage` or `xorriso`.
public struct CIDataImage: Sendable {
    public var files: [(name: String, contents: [UInt8])]
    public var label: String

    public init(userData: String, metaData: String, networkConfig: String? = nil, label: String = "cidata") {
        var files: [(String, [UInt8])] = [("meta-data", Array(metaData.utf8)), ("user-data", Array(userData.utf8))]
        if let networkConfig { files.append(("network-config", Array(networkConfig.utf8))) }
        self.files = files.sorted { $0.0 < $1.0 }
        self.label = label
    }

    static let sectorSize = 2048

    /// The image's bytes.
    public func bytes(date: Date = Date()) -> [UInt8] {
        let sector = Self.sectorSize
        // 0–15 system area, 16 primary descriptor, 17 Joliet descriptor, 18 terminator,
        // 19–22 path tables (primary L/M, Joliet L/M), 23–24 root directories, then file data.
        let primaryRoot = 23
        let jolietRoot = 24
        var fileSectors: [Int] = []
        var next = 25
        for file in files {
            fileSectors.append(next)
            next += max(1, (file.contents.count + sector - 1) / sector)
        }
        let totalSectors = next
        var image = [UInt8](repeating: 0, count: totalSectors * sector)
        let stamp = Timestamp(date)

        func write(_ bytes: [UInt8], at offset: Int) { image.replaceSubrange(offset..<offset + bytes.count, with: bytes) }

        let primaryNames = files.map { Self.primaryName($0.name) }
        let jolietNames = files.map { Self.ucs2($0.name) }
        write(
            descriptor(
                type: 1, label: Array(label.uppercased().utf8), root: primaryRoot, pathTables: (19, 20), joliet: false,
                sectors: totalSectors, stamp: stamp), at: 16 * sector)
        write(
            descriptor(
                type: 2, label: Self.ucs2(label), root: jolietRoot, pathTables: (21, 22), joliet: true, sectors: totalSectors, stamp: stamp),
            at: 17 * sector)
        write([255] + Array("CD001".utf8) + [1], at: 18 * sector)
        for (index, root) in [(19, primaryRoot), (20, primaryRoot), (21, jolietRoot), (22, jolietRoot)] {
            write(Self.pathTableRecord(root: root, bigEndian: index % 2 == 0), at: index * sector)
        }
        for (root, names) in [(primaryRoot, primaryNames), (jolietRoot, jolietNames)] {
            var records = Self.directoryRecord(identifier: [0], extent: root, length: sector, directory: true, stamp: stamp)
            records += Self.directoryRecord(identifier: [1], extent: root, length: sector, directory: true, stamp: stamp)
            for (index, file) in files.enumerated() {
                records += Self.directoryRecord(
                    identifier: names[index], extent: fileSectors[index], length: file.contents.count, directory: false, stamp: stamp)
            }
            write(records, at: root * sector)
        }
        for (index, file) in files.enumerated() { write(file.contents, at: fileSectors[index] * sector) }
        return image
    }

    /// A primary or supplementary (Joliet) volume descriptor.
    private func descriptor(type: UInt8, label: [UInt8], root: Int, pathTables: (Int, Int), joliet: Bool, sectors: Int, stamp: Timestamp)
        -> [UInt8]
    {
        var bytes = [UInt8](repeating: 0, count: Self.sectorSize)
        func put(_ value: [UInt8], _ offset: Int) { bytes.replaceSubrange(offset..<offset + value.count, with: value) }
        func padded(_ value: [UInt8], _ length: Int) -> [UInt8] {
            let pad: [UInt8] = joliet ? [0, 0x20] : [0x20]
            var result = Array(value.prefix(length))
            while result.count < length { result += pad }
            return Array(result.prefix(length))
        }
        put([type] + Array("CD001".utf8) + [1], 0)
        put(padded(joliet ? Self.ucs2("LINUX") : Array("LINUX".utf8), 32), 8)
        put(padded(label, 32), 40)
        put(Self.both32(sectors), 80)
        if joliet { put([0x25, 0x2F, 0x45], 88) }  // "%/E": UCS-2 level 3
        put(Self.both16(1), 120)
        put(Self.both16(1), 124)
        put(Self.both16(Self.sectorSize), 128)
        put(Self.both32(10), 132)
        put(Self.little32(pathTables.0), 140)
        put(Self.big32(pathTables.1), 148)
        put(Self.directoryRecord(identifier: [0], extent: root, length: Self.sectorSize, directory: true, stamp: stamp), 156)
        for (offset, length) in [(190, 128), (318, 128), (446, 128), (574, 128), (702, 37), (739, 37), (776, 37)] {
            put(padded(offset == 574 ? (joliet ? Self.ucs2("HOMELABKIT") : Array("HOMELABKIT".utf8)) : [], length), offset)
        }
        put(stamp.longForm, 813)
        put(stamp.longForm, 830)
        put(Array(repeating: UInt8(ascii: "0"), count: 16) + [0], 847)
        put(Array(repeating: UInt8(ascii: "0"), count: 16) + [0], 864)
        bytes[881] = 1
        return bytes
    }

    private static func directoryRecord(identifier: [UInt8], extent: Int, length: Int, directory: Bool, stamp: Timestamp) -> [UInt8] {
        var record: [UInt8] = [0, 0]
        record += both32(extent) + both32(length) + stamp.shortForm
        record += [directory ? 2 : 0, 0, 0] + both16(1) + [UInt8(identifier.count)] + identifier
        if record.count % 2 == 1 { record.append(0) }
        record[0] = UInt8(record.count)
        return record
    }

    /// The root's entry: identifier length 1, extent, parent 1, identifier 0, one pad byte.
    private static func pathTableRecord(root: Int, bigEndian: Bool) -> [UInt8] {
        [1, 0] + (bigEndian ? big32(root) : little32(root)) + (bigEndian ? [0, 1] : [1, 0]) + [0, 0]
    }

    /// ISO 9660 level 1 names (`USER_DAT.;1`); readers use the Joliet names.
    static func primaryName(_ name: String) -> [UInt8] {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        let parts = name.uppercased().split(separator: ".", maxSplits: 1)
        let base = String((parts.first ?? "").map { allowed.contains($0) ? $0 : "_" }.prefix(8))
        let ext = parts.count > 1 ? String(parts[1].map { allowed.contains($0) ? $0 : "_" }.prefix(3)) : ""
        return Array("\(base).\(ext);1".utf8)
    }

    static func ucs2(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
    static func little16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
    static func big16(_ value: Int) -> [UInt8] { little16(value).reversed() }
    static func both16(_ value: Int) -> [UInt8] { little16(value) + big16(value) }
    static func little32(_ value: Int) -> [UInt8] {
        let bits = UInt32(truncatingIfNeeded: value)
        return [
            UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits >> 16),
            UInt8(truncatingIfNeeded: bits >> 24),
        ]
    }
    static func big32(_ value: Int) -> [UInt8] { little32(value).reversed() }
    static func both32(_ value: Int) -> [UInt8] { little32(value) + big32(value) }

    /// Recording times in the two ISO 9660 forms, in UTC.
    private struct Timestamp {
        var shortForm: [UInt8]
        var longForm: [UInt8]

        init(_ date: Date) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let (year, month, day) = (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
            let (hour, minute, second) = (parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
            shortForm = [UInt8(year - 1900), UInt8(month), UInt8(day), UInt8(hour), UInt8(minute), UInt8(second), 0]
            let text = String(format: "%04d%02d%02d%02d%02d%02d00", year, month, day, hour, minute, second)
            longForm = Array(text.utf8) + [0]
        }
    }
}
