/// `~/.git-credentials`, git's `store` credential helper: one URL per line,
/// `https://user:password@host/path`. A URL with a user and password, or with only a user (hosts
/// take a token as the user name, `https://TOKEN@github.com`), is a credential. The hit names the
/// scheme and host only: the user part may itself be the secret.
public enum GitCredentials {
    /// The file, relative to a home directory (git also reads `$XDG_CONFIG_HOME/git/credentials`).
    public static let pathsInHome = [".git-credentials", ".config/git/credentials"]

    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        var hits: [CredentialHit] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            guard let (origin, hasPassword) = parse(line.trimmed) else { continue }
            hits.append(CredentialHit(path: path, line: line.number, key: origin, kind: hasPassword ? .password : .token))
        }
        return hits
    }

    /// `scheme://host[:port]` and whether a password follows the user, for a URL with a
    /// non-empty user part; nil for anything else.
    static func parse(_ url: Substring) -> (origin: String, hasPassword: Bool)? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        let host = authority[authority.index(after: at)...]
        guard !userInfo.isEmpty, !host.isEmpty else { return nil }
        var hasPassword = false
        if let colon = userInfo.firstIndex(of: ":") {
            hasPassword = userInfo.index(after: colon) < userInfo.endIndex
            if userInfo[..<colon].isEmpty && !hasPassword { return nil }
        }
        return ("\(scheme)://\(host)", hasPassword)
    }
}
