/// Debian's ifupdown configuration, `/etc/network/interfaces` and the files it `source`s
/// (usually `/etc/network/interfaces.d/*`): stanzas `iface NAME inet|inet6 METHOD` followed by
/// indented options. `inet static` / `inet6 static` gives a NIC a fixed address; `hwaddress`
/// sets its MAC. The loopback interface never pins.
public enum DebianInterfaces {
    /// The main file.
    public static let path = "/etc/network/interfaces"

    public static func pins(in bytes: [UInt8], path: String) -> [NetworkPin] {
        var pins: [NetworkPin] = []
        var stanza: String?
        for line in GuestTextLines(bytes).joiningContinuations() where !line.isBlankOrComment() {
            let words = line.trimmed.words
            guard let keyword = words.first else { continue }
            switch keyword {
            case "iface":
                stanza = words.count > 1 ? String(words[1]) : nil
                guard words.count >= 4, stanza != "lo", words[3] == "static" else { continue }
                pins.append(NetworkPin(path: path, line: line.number, field: words[0...3].joined(separator: " "),
                                       kind: .staticAddress, interface: stanza))
            case "mapping", "auto", "source", "source-directory", "rename", "no-auto-down", "no-scripts":
                stanza = nil
            case "hwaddress" where stanza != nil && stanza != "lo" && words.count >= 2:
                pins.append(NetworkPin(path: path, line: line.number, field: "hwaddress", kind: .macAddress, interface: stanza))
            default:
                if keyword.hasPrefix("allow-") { stanza = nil }
            }
        }
        return pins
    }

    /// The paths and directories the file includes with `source PATH` and
    /// `source-directory DIR`, as written (they may hold wildcards, e.g. `interfaces.d/*`).
    public static func includes(in bytes: [UInt8]) -> [String] {
        var paths: [String] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            let words = line.trimmed.words
            guard words.count >= 2, words[0] == "source" || words[0] == "source-directory" else { continue }
            paths.append(String(words[1]))
        }
        return paths
    }
}
