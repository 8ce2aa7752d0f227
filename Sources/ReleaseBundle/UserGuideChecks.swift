import Findings

/// KG204: the user guide should tell a buyer which ports to open and how to log in.
///
/// A port is named by `port 8080` / `port: 8080` / `ports 80 and 443`, `TCP 443`, `UDP/53`,
/// `TCP port`, `open port(s)` / `open the port(s)`, or a URL with an explicit port
/// (`https://host:8443`). A way to log in is any of `ssh`, `login`, `log in`, `log on`,
/// `sign in`, `http://`, `https://`, `username`, `user name`, `password` (any case).
extension DocumentChecks {
    /// KG204 on the user guide file and its text (nil when the release names none).
    public static func userGuide(_ document: (file: ReleaseFile, text: DocumentText)?) -> [Finding] {
        let definition = RuleID.userGuideIncomplete.definition
        guard let (file, text) = document else {
            return [Finding(definition, message: "the release has no user guide (documents.user-guide).",
                            evidence: [("documents.user-guide", "not given")])]
        }
        let body: String
        switch text {
        case let .noText(reason), let .notADocument(reason):
            return [readByHand(.userGuideIncomplete, file, what: "the user guide", reason: reason)]
        case let .text(t):
            body = t
        }
        var missing: [String] = []
        if !namesPort(body) { missing.append("port to open") }
        if !namesLogin(body) { missing.append("way to log in") }
        guard !missing.isEmpty else { return [] }
        var evidence: [(String, String)] = [("file", file.written)]
        if missing.contains("port to open") { evidence.append(("port", "none named")) }
        if missing.contains("way to log in") { evidence.append(("login", "none named")) }
        return [Finding(definition, message: "the user guide \(file.written) names no \(missing.joined(separator: " and no ")).",
                        evidence: evidence)]
    }

    /// Whether the text names a port to open.
    public static func namesPort(_ text: String) -> Bool {
        let words = wordsAndNumbers(text.lowercased())
        for (index, word) in words.enumerated() {
            let next = index + 1 < words.count ? words[index + 1] : ""
            let afterNext = index + 2 < words.count ? words[index + 2] : ""
            switch word {
            case "port", "ports":
                if next.first?.isNumber == true { return true }
            case "tcp", "udp":
                if next.first?.isNumber == true || next == "port" || next == "ports" { return true }
            case "open", "opens", "opening", "allow":
                if next == "port" || next == "ports" || (next == "the" && (afterNext == "port" || afterNext == "ports")) { return true }
            default:
                break
            }
        }
        return urlWithPort(text)
    }

    /// Whether the text has a URL with an explicit port, e.g. `http://192.0.2.1:8080/`.
    static func urlWithPort(_ text: String) -> Bool {
        var rest = Substring(text)
        var rounds = 0
        while let range = rest.range(of: "://"), rounds < 10_000 {
            rounds += 1
            let host = rest[range.upperBound...].prefix { !$0.isWhitespace && $0 != "/" && $0 != ")" && $0 != ">" }
            if let colon = host.lastIndex(of: ":") {
                let port = host[host.index(after: colon)...]
                if !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
            }
            rest = rest[range.upperBound...]
        }
        return false
    }

    /// Whether the text names a way to log in.
    public static func namesLogin(_ text: String) -> Bool {
        let lower = text.lowercased()
        if lower.contains("http://") || lower.contains("https://") { return true }
        let words = wordsAndNumbers(lower)
        for (index, word) in words.enumerated() {
            let next = index + 1 < words.count ? words[index + 1] : ""
            switch word {
            case "ssh", "login", "logon", "username", "usernames", "password", "passwords", "signin": return true
            case "log", "logs", "logged", "logging", "sign", "signed": if next == "in" || next == "on" { return true }
            case "user": if next == "name" || next == "names" { return true }
            default: break
            }
        }
        return false
    }

    /// The text split into runs of letters or digits (so `TCP/443` is `tcp`, `443`, and
    /// `port:8080` is `port`, `8080`).
    static func wordsAndNumbers(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for c in text {
            if c.isLetter || c.isNumber {
                if let last = current.last, last.isNumber != c.isNumber { words.append(current); current = "" }
                current.append(c)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
