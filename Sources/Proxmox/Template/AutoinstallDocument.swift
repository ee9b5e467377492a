import Foundation
import HomelabCore
import HostConfig

/// Renders the meta-data for a template's `cidata` seed (the user-data is ``Autoinstall/userData``).
enum AutoinstallDocument {
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
