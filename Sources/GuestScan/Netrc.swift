/// `~/.netrc`: logins for ftp, curl, git and pip, as a stream of tokens: `machine NAME` (or
/// `default`) followed by `login`, `password`, `account` and `macdef` with their values, on one
/// line or many. A `#` starts a comment to the end of its line; `macdef` takes the following
/// lines up to a blank one as a macro body, which is not read for tokens.
public enum Netrc {
    /// The file, relative to a home directory.
    public static let pathInHome = ".netrc"
    /// Most tokens read from one file.
    static let maxTokens = 100_000

    /// One hit per `password` (and `account`, which some tools use as a second password) with a
    /// value, named with its machine: `password (machine ftp.example.com)`.
    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        var hits: [CredentialHit] = []
        var machine = "default"
        var tokens = tokenize(bytes)[...]
        while let token = tokens.popFirst() {
            switch token.text {
            case "machine":
                if let name = tokens.popFirst() { machine = "machine \(name.text)" }
            case "default":
                machine = "default"
            case "password", "passwd", "account":
                guard let value = tokens.popFirst(), SecretValue.isLiteral(Substring(value.text)) else { continue }
                hits.append(CredentialHit(path: path, line: token.line, key: "\(token.text) (\(machine))",
                                          kind: .password))
            case "login":
                _ = tokens.popFirst()
            default:
                break
            }
        }
        return hits
    }

    /// A token and the line it starts on.
    struct Token {
        var text: String
        var line: Int
    }

    /// The file's tokens: words separated by blanks, `"double quoted"` words with `\` escapes,
    /// comments and macro bodies left out.
    static func tokenize(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var inMacro = false
        for line in GuestTextLines(bytes) {
            if inMacro {
                if line.trimmed.isEmpty { inMacro = false }
                continue
            }
            var chars = line.text[...]
            while tokens.count < maxTokens {
                chars = chars.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                guard let first = chars.first, first != "#" else { break }
                var word = ""
                if first == "\"" {
                    chars.removeFirst()
                    while let c = chars.popFirst(), c != "\"" {
                        if c == "\\", let escaped = chars.popFirst() { word.append(escaped) } else { word.append(c) }
                    }
                } else {
                    while let c = chars.first, c != " ", c != "\t", c != "\r" {
                        word.append(c)
                        chars.removeFirst()
                    }
                }
                tokens.append(Token(text: word, line: line.number))
                // The macro body starts on the next line and runs to a blank one.
                if word == "macdef" { inMacro = true }
            }
        }
        return tokens
    }
}
