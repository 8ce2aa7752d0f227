/// A credential left in a guest file (KG411): where it is and what kind it is, never its value.
/// Every credential parser returns these and nothing else from the secret: a hit carries the
/// file, the line, and the name of the key that holds the secret, so a report can tell the
/// seller exactly what to delete without handing the secret to whoever reads the report.
public struct CredentialHit: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// What the secret is.
    public enum Kind: String, Sendable, CaseIterable {
        /// The secret half of an access key pair (Huawei Cloud SK, AWS secret access key, OBS SK).
        case secretAccessKey = "secret access key"
        /// A password, in clear or in a reversible encoding (rclone's obscured `pass`).
        case password
        /// A bearer, session or security token, an OAuth token, an API key.
        case token
        /// A registry login (`auth` in docker's config: base64 of user:password).
        case registryLogin = "registry login"
        /// A private key given inline (kubeconfig `client-key-data`).
        case privateKey = "private key"
    }

    /// The file, as the guest sees it (`/home/alice/.hcloud/config.json`).
    public var path: String
    /// The line the key is on, counted from 1; nil when the format gives none.
    public var line: Int?
    /// The key that holds the secret, qualified where the file has structure
    /// (`profiles[0].secretAccessKey`, `default.aws_secret_access_key`, `password (machine ftp.example.com)`).
    public var key: String
    public var kind: Kind

    public init(path: String, line: Int?, key: String, kind: Kind) {
        self.path = path
        self.line = line
        self.key = key
        self.kind = kind
    }

    /// `path:line: key (kind)`: everything a report may say about the credential.
    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(key) (\(kind.rawValue))"
    }
}

/// Which values of a key count as a secret left behind: not an empty one, and not one that only
/// refers to a secret kept elsewhere (a shell variable, a command, a file), which the image does
/// not hand to buyers.
enum SecretValue {
    /// Whether `value` (already unquoted) holds a literal secret.
    static func isLiteral(_ value: Substring) -> Bool {
        let trimmed = value.trimmingBlanks
        guard !trimmed.isEmpty else { return false }
        if trimmed.hasPrefix("$") || trimmed.hasPrefix("`") { return false }
        return true
    }

    /// Removes one pair of matching single or double quotes around `value`.
    static func unquoted(_ value: Substring) -> Substring {
        let trimmed = value.trimmingBlanks
        guard trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first else {
            return trimmed
        }
        return trimmed.dropFirst().dropLast()
    }
}
