/// A private key found in a file (KG416, and KG404's content check): the file, the line its
/// key block begins on, and the kind its header names. Never the key.
public struct PrivateKeyHit: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var path: String
    /// The line of the `-----BEGIN ...` header (or PuTTY's first line), counted from 1.
    public var line: Int
    /// What the header names: `RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `PRIVATE KEY`,
    /// `ENCRYPTED PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`, `PuTTY private key`.
    public var kind: String

    public init(path: String, line: Int, kind: String) {
        self.path = path
        self.line = line
        self.kind = kind
    }

    public var description: String { "\(path):\(line): \(kind)" }
}

/// Private key detection over a file's first bytes: PEM blocks whose label ends in
/// `PRIVATE KEY` (PKCS#1, PKCS#8, SEC1, OpenSSH's own format), PGP secret key blocks and PuTTY
/// key files. A certificate, a public key or a certificate request is not a private key.
public enum PrivateKeyFile {
    /// Where services keep their keys, searched for KG416 (outside the homes; the SSH host
    /// keys in /etc/ssh are KG405's).
    public static let serviceDirectories = ["/etc/ssl/private", "/etc/pki/tls/private", "/etc/nginx", "/etc/apache2",
                                            "/etc/httpd", "/opt", "/srv", "/var/www"]
    /// Largest file opened for KG416: keys are a few KiB, bundles a few more.
    public static let maxFileBytes: UInt64 = 1 << 20
    /// Most files looked at in all of `serviceDirectories` together.
    public static let maxFilesLookedAt = 20_000
    /// Bytes of a file read to find a key: a key after a long certificate chain is still found.
    public static let probeBytes = 64 << 10

    /// The first private key in `bytes` (a file's first `probeBytes`), nil when there is none.
    /// PEM headers are found as the home scan finds them (`SSHKeys.privateKeyKind`).
    public static func detect(_ bytes: [UInt8], path: String) -> PrivateKeyHit? {
        let head = Array(bytes.prefix(probeBytes))
        let lines = GuestTextLines(head)
        if let found = SSHKeys.privateKeyKind(head) {
            let label = String(found.dropFirst(2))  // "a RSA PRIVATE KEY"
            let line = lines.first { $0.text.contains("-----BEGIN \(label)-----") }?.number ?? 1
            return PrivateKeyHit(path: path, line: line, kind: label)
        }
        for line in lines {
            let text = line.trimmed
            if text.hasPrefix("PuTTY-User-Key-File-") {
                return PrivateKeyHit(path: path, line: line.number, kind: "PuTTY private key")
            }
            if text == "-----BEGIN PGP PRIVATE KEY BLOCK-----" {
                return PrivateKeyHit(path: path, line: line.number, kind: "PGP PRIVATE KEY BLOCK")
            }
        }
        return nil
    }
}
