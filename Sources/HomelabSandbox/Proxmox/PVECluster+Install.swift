import Crypto
import Foundation
import HomelabCore

/// Uploads, the console (`sendkey`) and an unattended install: what building a template from an
/// ISO needs. A VM booted from the Ubuntu live ISO with a `cidata` seed attached installs itself
/// once the boot command has typed `autoinstall` and `boot`, then powers off when the seed says so.
extension PVECluster {
    /// pve-storage `PVE/API2/Storage/Status.pm` `upload`: the storage and content checks of
    /// `PVE/Storage.pm`, and "checksum mismatch: got '<sum>' != expect '<sum>'" for a wrong checksum.
    func upload(_ parameters: PVEParameters, fault: PVEFault.Kind?) throws -> Value {
        let storage = try parameters.require("storage")
        let content = try parameters.require("content")
        let filename = try parameters.require("filename")
        guard let bytes = parameters.file else { throw PVEAPIFailure.parameters(["filename": "upload without a file"]) }
        guard let settings = storages[storage] else { throw PVEAPIFailure.server("storage '\(storage)' does not exist") }
        guard (settings["content"] ?? "").split(separator: ",").contains(Substring(content)) else {
            throw PVEAPIFailure.server("storage '\(storage)' does not support content-type '\(content)'")
        }
        if let checksum = parameters.string("checksum") {
            let actual = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            if parameters.string("checksum-algorithm") == "sha256" && checksum.lowercased() != actual {
                throw PVEAPIFailure.server("checksum mismatch: got '\(actual)' != expect '\(checksum)'")
            }
        }
        let volume = "\(storage):\(content)/\(filename)"
        return .string(
            startTask(
                node: parameters.node, type: "imgcopy", id: "", user: parameters.user, duration: configuration.taskDurations.upload,
                fault: fault
            ) {
                cluster in
                cluster.volumes.insert(volume)
                cluster.volumeData[volume] = bytes
                cluster.uploads[volume] = bytes
                return ["target file: /var/lib/vz/template/\(content)/\(filename)", "file size is: \(bytes.count)"]
            }
        )
    }

    /// pve-storage `PVE/API2/Storage/Content.pm` `delete`: "volume '<volid>' does not exist".
    func deleteVolume(_ parameters: PVEParameters) throws -> Value {
        let volume = try parameters.require("volume")
        let storage = parameters.string("storage") ?? String(volume.split(separator: ":").first ?? "")
        let full = volume.contains(":") ? volume : "\(storage):\(volume)"
        guard volumes.remove(full) != nil else { throw PVEAPIFailure.server("volume '\(full)' does not exist") }
        volumeData[full] = nil
        return .null
    }

    /// `PUT …/sendkey`: one QEMU key name per call, typed on the VM's console. qemu-server
    /// `vm_sendkey` runs a monitor command, which fails "VM <id> not running" (`vm_mon_cmd`).
    func sendKey(_ parameters: PVEParameters) throws -> Value {
        let vmid = try parameters.requireInt("vmid")
        let current = try vm(parameters.node, vmid)
        guard current.running else { throw PVEAPIFailure.server("VM \(vmid) not running") }
        let key = try parameters.require("key")
        guard let character = Self.character(forKey: key) else { throw PVEAPIFailure.parameters(["key": "invalid key '\(key)'"]) }
        vms[vmid]?.typed.append(character)
        if let vm = vms[vmid], !vm.installing, vm.typed.contains("autoinstall"), vm.typed.hasSuffix("boot\n") {
            startInstall(vmid)
        }
        return .null
    }

    private func startInstall(_ vmid: Int) {
        guard let vm = vms[vmid] else { return }
        let media = vm.config.filter { Self.isDiskKey($0.key) && $0.value.contains("media=cdrom") }.compactMap {
            $0.value.split(separator: ",").first.map(String.init)
        }
        let bootsInstaller = media.contains { $0.contains(":iso/") && $0.contains("live-server") }
        guard bootsInstaller, let seed = media.compactMap({ volumeData[$0] }).first(where: Self.isAutoinstallSeed) else { return }
        vms[vmid]?.installing = true
        let powersOff = String(decoding: seed, as: UTF8.self).contains("poweroff")
        let duration = configuration.taskDurations.install
        Task {
            try? await Task.sleep(for: duration)
            self.finishInstall(vmid, powersOff: powersOff)
        }
    }

    private func finishInstall(_ vmid: Int, powersOff: Bool) {
        vms[vmid]?.installing = false
        vms[vmid]?.typed = ""
        if powersOff { vms[vmid]?.running = false }
    }

    /// A NoCloud seed (ISO label CIDATA) whose user-data is an autoinstall document.
    static func isAutoinstallSeed(_ bytes: [UInt8]) -> Bool {
        let labelOffset = 16 * 2048 + 40
        guard bytes.count > labelOffset + 6, Array(bytes[labelOffset..<labelOffset + 6]) == Array("CIDATA".utf8) else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("autoinstall")
    }

    static func character(forKey key: String) -> Character? {
        let named: [String: Character] = [
            "ret": "\n", "spc": " ", "slash": "/", "minus": "-", "dot": ".", "equal": "=", "semicolon": ";", "comma": ",",
            "apostrophe": "'", "shift-semicolon": ":", "shift-minus": "_", "shift-apostrophe": "\"", "tab": "\t",
            "esc": "\u{1B}", "backslash": "\\", "shift-equal": "+",
        ]
        if let character = named[key] { return character }
        if key.count == 1, let character = key.first, character.isLetter || character.isNumber { return character }
        if key.hasPrefix("shift-"), key.count == 7, let character = key.last, character.isLetter {
            return Character(character.uppercased())
        }
        return nil
    }

    func volumeBytes(_ volume: String) -> [UInt8]? { volumeData[volume] ?? uploads[volume] }
}
