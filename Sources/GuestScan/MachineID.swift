/// The guest's machine ID (KG412): `/etc/machine-id` (and D-Bus's `/var/lib/dbus/machine-id`),
/// 32 hexadecimal digits (lower case) and a newline (machine-id(5)). An image that carries one
/// gives every buyer's instance the same ID, and with it the same DHCP client ID and journal.
/// systemd writes a new ID at first boot when the file is empty or says `uninitialized`.
public enum MachineID {
    /// Where the IDs live.
    public static let paths = ["/etc/machine-id", "/var/lib/dbus/machine-id"]
    /// Bytes read: an ID and its newline are 33.
    public static let maxBytes = 4096

    /// What a machine-id file holds.
    public enum Content: Sendable, Equatable {
        /// Nothing, or only blanks: systemd makes a new ID at first boot.
        case empty
        /// `uninitialized`: systemd's own first-boot marker.
        case uninitialized
        /// A machine ID: every instance made from the image would share it.
        case id
        /// Something else (the null ID of 32 zeros, text), which systemd does not take for an ID.
        case invalid
    }

    /// Judges the first bytes of a machine-id file.
    public static func content(_ bytes: [UInt8]) -> Content {
        let words = String(decoding: bytes.prefix(maxBytes), as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard let text = words.first else { return .empty }
        guard words.count == 1 else { return .invalid }
        if text == "uninitialized" { return .uninitialized }
        // systemd reads either case; the all-zero ID is its "null" value, never used.
        if text.utf8.count == 32, text.allSatisfy(\.isHexDigit), text.contains(where: { $0 != "0" }) { return .id }
        return .invalid
    }
}
