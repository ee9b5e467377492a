import Foundation
import HomelabCore
import HostConfig

/// Renders the autoinstall user-data and meta-data for a template's `cidata` seed.
enum AutoinstallDocument {
    static func userData(_ autoinstall: Value) throws -> String {
        func string(_ key: String) throws -> String {
            guard let value = autoinstall[key]?.stringValue else { throw ProviderError.failed("autoinstall.\(key) is missing") }
            return value
        }
        let strings = { (key: String) in (autoinstall[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        return try AutoinstallUserData(
            hostname: try string("hostname"), username: try string("username"), passwordHash: try string("passwordHash"),
            locale: try string("locale"), keyboard: try string("keyboard"),
            allowPasswordSSH: autoinstall["allowPasswordSSH"]?.boolValue ?? false, authorizedKeys: strings("authorizedKeys"),
            packages: strings("packages"), lateCommands: strings("lateCommands"), storageLayout: try string("storageLayout")
        ).render()
    }

    static func metaData(instanceID: String, hostname: String) -> String {
        "instance-id: \(instanceID)\nlocal-hostname: \(hostname)\n"
    }
}

/// Packer-style boot commands (`"boot<enter><wait5>"`) as QEMU key presses for `sendkey`.
enum BootCommand {
    enum Step: Equatable {
        case key(String)
        case wait(Duration)
    }

    static func steps(_ lines: [String]) -> [Step] {
        var steps: [Step] = []
        for line in lines {
            var rest = Substring(line)
            while let character = rest.first {
                if character == "<", let close = rest.firstIndex(of: ">") {
                    let token = rest[rest.index(after: rest.startIndex)..<close].lowercased()
                    rest = rest[rest.index(after: close)...]
                    if token.hasPrefix("wait") {
                        steps.append(.wait(.seconds(Int(token.dropFirst(4)) ?? 1)))
                    } else if let key = specialKeys[token] {
                        steps.append(.key(key))
                    }
                    continue
                }
                rest = rest.dropFirst()
                if let key = key(for: character) { steps.append(.key(key)) }
            }
        }
        return steps
    }

    static let specialKeys = ["enter": "ret", "return": "ret", "esc": "esc", "tab": "tab", "spacebar": "spc", "bs": "backspace"]

    static func key(for character: Character) -> String? {
        let named: [Character: String] = [
            " ": "spc", "/": "slash", "-": "minus", ".": "dot", "=": "equal", ";": "semicolon", ",": "comma", "'": "apostrophe",
            ":": "shift-semicolon", "_": "shift-minus", "\"": "shift-apostrophe", "\\": "backslash", "+": "shift-equal",
        ]
        if let key = named[character] { return key }
        guard character.isASCII, character.isLetter || character.isNumber else { return nil }
        return character.isUppercase ? "shift-\(character.lowercased())" : String(character)
    }
}
