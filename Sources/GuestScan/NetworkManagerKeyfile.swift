/// A NetworkManager connection profile in keyfile format,
/// `/etc/NetworkManager/system-connections/NAME.nmconnection`: INI sections per setting.
/// `mac-address` in `[ethernet]` (or `[wifi]`, ...) binds the profile to one NIC;
/// `cloned-mac-address` forces a MAC on it; `[ipv4] method=manual` gives a fixed address.
public enum NetworkManagerKeyfile {
    /// Where NetworkManager keeps the profiles it owns.
    public static let directory = "/etc/NetworkManager/system-connections"

    public static func pins(in bytes: [UInt8], path: String) -> [NetworkPin] {
        let entries = INICredentials.entries(bytes)
        let interface = entries.first { $0.section == "connection" && $0.key == "interface-name" }
            .map { String($0.value.trimmingBlanks) }.flatMap { $0.isEmpty ? nil : $0 }
        if interface == "lo" { return [] }
        var pins: [NetworkPin] = []
        for entry in entries where entry.key == "mac-address" || entry.key == "cloned-mac-address" {
            // `cloned-mac-address` also takes modes (`random`, `stable`, `permanent`, `preserve`), not MACs.
            guard isMACAddress(entry.value.trimmingBlanks) else { continue }
            pins.append(NetworkPin(path: path, line: entry.line, field: "[\(entry.section ?? "")] \(entry.key)",
                                   kind: .macAddress, interface: interface))
        }
        for entry in entries where entry.section == "ipv4" && entry.key == "method"
            && entry.value.trimmingBlanks.lowercased() == "manual" {
            pins.append(NetworkPin(path: path, line: entry.line, field: "[ipv4] method=manual",
                                   kind: .staticAddress, interface: interface))
        }
        return pins
    }

    /// Whether `text` is a MAC address as NetworkManager writes one: 6 (or 20, InfiniBand)
    /// hexadecimal octets separated by `:` or `-`.
    static func isMACAddress(_ text: Substring) -> Bool {
        let octets = text.split(omittingEmptySubsequences: false) { $0 == ":" || $0 == "-" }
        return (octets.count == 6 || octets.count == 20)
            && octets.allSatisfy { (1...2).contains($0.count) && $0.allSatisfy(\.isHexDigit) }
    }
}
