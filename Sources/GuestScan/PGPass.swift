/// `~/.pgpass`: PostgreSQL's password file, one `hostname:port:database:username:password` line
/// per login, with `\:` and `\\` escapes; lines starting with `#` are comments.
public enum PGPass {
    /// The file, relative to a home directory.
    public static let pathInHome = ".pgpass"

    /// One hit per line whose fifth field (the password) is not empty, named by the first four
    /// (`password (db.example.com:5432:*:app)`), which say where it logs in but are not secret.
    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        var hits: [CredentialHit] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            let fields = split(line.text)
            guard fields.count >= 5, !fields[4].isEmpty else { continue }
            let target = fields[0..<4].joined(separator: ":")
            hits.append(CredentialHit(path: path, line: line.number, key: "password (\(target))", kind: .password))
        }
        return hits
    }

    /// The colon-separated fields of a line, each as written (escapes kept, so the first four
    /// read as they do in the file); the fifth runs to the end of the line, as libpq reads it.
    static func split(_ text: Substring) -> [Substring] {
        var fields: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex, fields.count < 4 {
            if text[i] == "\\" {
                i = text.index(after: i)
                if i < text.endIndex { i = text.index(after: i) }
                continue
            }
            if text[i] == ":" {
                fields.append(text[start..<i])
                start = text.index(after: i)
            }
            i = text.index(after: i)
        }
        fields.append(text[start...])
        return fields
    }
}
