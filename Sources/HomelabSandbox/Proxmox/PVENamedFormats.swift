import Foundation

/// Rules for the named formats that `apidata.js` describes only by name and `typetext`; taken from
/// pve-common (`JSONSchema.pm`) and qemu-server (`qm.conf` options). Formats not listed here are
/// not checked beyond their type.
enum PVENamedFormats {
    static func check(_ value: String, format: String, name: String) -> [String] {
        switch format {
        case "urlencoded":
            // sshkeys: the value itself must already be percent-encoded.
            if value.range(of: #"^[-%a-zA-Z0-9_.!~*'()]*$"#, options: .regularExpression) == nil {
                return ["'\(name)': invalid urlencoded string: \(value.prefix(20))…"]
            }
        case "pve-tag-list":
            for tag in value.split(whereSeparator: { $0 == ";" || $0 == "," || $0 == " " })
            where tag.range(of: #"^[a-zA-Z0-9_][a-zA-Z0-9_\-+.]*$"#, options: .regularExpression) == nil {
                return ["'\(name)': invalid tag '\(tag)'"]
            }
        case "pve-qm-ipconfig":
            return keys(value, allowed: ["ip", "gw", "ip6", "gw6"], name: name)
        case "pve-qm-cicustom":
            return keys(value, allowed: ["user", "network", "meta", "vendor"], name: name)
        case "pve-vm-cpu-conf":
            return keys(
                value,
                allowed: ["cputype", "flags", "hidden", "hv-vendor-id", "phys-bits", "reported-model", "guest-phys-bits"],
                defaultKey: "cputype",
                name: name
            )
        case "pve-qm-hostpci":
            let allowed: Set<String> = [
                "host", "mapping", "pcie", "rombar", "romfile", "x-vga", "mdev", "legacy-igd", "device-id", "vendor-id",
                "sub-device-id", "sub-vendor-id", "driver",
            ]
            var problems = keys(value, allowed: allowed, defaultKey: "host", name: name)
            let present = Set(
                value.split(separator: ",").map { $0.split(separator: "=").count == 2 ? String($0.split(separator: "=")[0]) : "host" })
            if !present.contains("host") && !present.contains("mapping") {
                problems.append("'\(name)': either 'host' or 'mapping' must be set")
            }
            return problems
        case "pve-configid-list":
            for item in value.split(separator: ",") where item.range(of: #"^[a-z][a-z_\-]*\d*$"#, options: .regularExpression) == nil {
                return ["'\(name)': invalid configuration ID '\(item)'"]
            }
        case "mac-addr":
            if value.range(of: #"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$"#, options: .regularExpression) == nil {
                return ["'\(name)': invalid MAC address '\(value)'"]
            }
        case "pve-node", "pve-storage-id", "pve-bridge-id", "pve-iface":
            if value.range(of: #"^[a-zA-Z][a-zA-Z0-9\-_.]*$"#, options: .regularExpression) == nil {
                return ["'\(name)': invalid \(format) '\(value)'"]
            }
        case "disk-size":
            if value.range(of: #"^\+?\d+(\.\d+)?[KMGT]?$"#, options: .regularExpression) == nil {
                return ["'\(name)': invalid disk size '\(value)'"]
            }
        default:
            break
        }
        return []
    }

    private static func keys(_ value: String, allowed: Set<String>, defaultKey: String? = nil, name: String) -> [String] {
        var problems: [String] = []
        for item in value.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 || defaultKey != nil else {
                problems.append("'\(name)': invalid format - '\(item)' has no key")
                continue
            }
            let key = pair.count == 2 ? String(pair[0]) : defaultKey ?? ""
            if !allowed.contains(key) { problems.append("'\(name)': invalid format - unknown key '\(key)'") }
        }
        return problems
    }
}
