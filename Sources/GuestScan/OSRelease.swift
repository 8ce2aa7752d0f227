/// The guest's `/etc/os-release` (or `/usr/lib/os-release`): which distribution and version it
/// is. The file is a list of shell-style `KEY=value` assignments (os-release(5)); koopack parses
/// it without a shell, honouring double quotes (with `\"`, `\\`, `\$`, `` \` `` escapes), single
/// quotes (no escapes) and unquoted values with backslash escapes.
public struct OSRelease: Sendable, Equatable {
    /// Largest os-release file read: real ones are under 1 KiB.
    public static let maxBytes = 64 << 10
    /// Most assignments kept from one file.
    public static let maxFields = 256

    /// Every assignment, in file order.
    public var fields: [(String, String)]

    /// `ID`: the distribution's lower-case identifier (`debian`, `ubuntu`, `rhel`).
    public var id: String? { self["ID"] }
    /// `VERSION_ID`: `12`, `22.04`, `9.4`; absent on rolling releases.
    public var versionID: String? { self["VERSION_ID"] }
    /// `PRETTY_NAME`: `Debian GNU/Linux 12 (bookworm)`.
    public var prettyName: String? { self["PRETTY_NAME"] }
    /// `NAME`: `Debian GNU/Linux`, `Red Hat Enterprise Linux`.
    public var name: String? { self["NAME"] }
    /// `ID_LIKE`: the distributions this one derives from, space-separated.
    public var idLike: String? { self["ID_LIKE"] }

    /// The last value assigned to `key`, nil when it is not set or is empty.
    public subscript(key: String) -> String? {
        guard let value = fields.last(where: { $0.0 == key })?.1, !value.isEmpty else { return nil }
        return value
    }

    public static func == (a: OSRelease, b: OSRelease) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public init(fields: [(String, String)]) {
        self.fields = fields
    }

    /// Parses the text of an os-release file. Lines that are not assignments (comments, blank
    /// lines, garbage) are skipped, as systemd does; it never fails.
    public static func parse(_ bytes: [UInt8]) -> OSRelease {
        let text = String(decoding: bytes.prefix(maxBytes), as: UTF8.self)
        var fields: [(String, String)] = []
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            guard fields.count < maxFields else { break }
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            let key = String(line[line.startIndex..<equals])
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }) else { continue }
            guard let value = unquote(line[line.index(after: equals)...]) else { continue }
            fields.append((key, value))
        }
        return OSRelease(fields: fields)
    }

    /// The value of a shell-style assignment's right-hand side, nil when a quote is not closed.
    static func unquote(_ raw: Substring) -> String? {
        var out = ""
        var chars = raw.makeIterator()
        while let c = chars.next() {
            switch c {
            case "\"":
                var closed = false
                while let d = chars.next() {
                    if d == "\"" { closed = true; break }
                    if d == "\\" {
                        guard let e = chars.next() else { return nil }
                        if e == "\"" || e == "\\" || e == "$" || e == "`" { out.append(e) } else if e != "\n" { out.append(d); out.append(e) }
                        continue
                    }
                    out.append(d)
                }
                if !closed { return nil }
            case "'":
                var closed = false
                while let d = chars.next() {
                    if d == "'" { closed = true; break }
                    out.append(d)
                }
                if !closed { return nil }
            case "\\":
                if let e = chars.next() { out.append(e) }
            case " ", "\t":
                // Unquoted whitespace ends the word: a trailing comment after it is dropped.
                if !out.isEmpty { return out }
            default:
                out.append(c)
            }
        }
        return out
    }
}
