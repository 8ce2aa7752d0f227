/// KooCLI's configuration, `~/.hcloud/config.json`: the profiles `hcloud configure` writes, each
/// with the access key ID, the secret access key and, for temporary credentials, a security
/// token. An SK there is a key to the seller's whole cloud account, handed to every buyer.
///
/// koopack does not depend on the exact nesting KooCLI uses (it has changed between versions):
/// every object member anywhere in the file whose name is a secret field counts, when its value
/// is a non-empty string.
public enum KooCLIConfig {
    /// The file, relative to a home directory.
    public static let pathInHome = ".hcloud/config.json"

    /// Secret field names, compared without case, `_` or `-`, and what each holds. The access key
    /// ID alone is not a secret and is not reported.
    static let secretFields: [String: CredentialHit.Kind] = [
        "secretaccesskey": .secretAccessKey, "secretkey": .secretAccessKey, "sk": .secretAccessKey,
        "securitytoken": .token, "token": .token, "xauthtoken": .token,
        "password": .password,
    ]

    /// The credentials in the text of a KooCLI config at `path`; none when it is not JSON.
    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        JSONKeyLines.credentials(in: bytes, path: path) { ancestors, key in
            secretFields[String(key.lowercased().filter { $0 != "_" && $0 != "-" })].map { ($0, DocumentPath.text(ancestors, key)) }
        }
    }
}
