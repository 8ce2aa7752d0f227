/// Docker's client configuration, `~/.docker/config.json`: `docker login` stores each registry's
/// login under `auths` as `auth` (base64 of `user:password`), or an `identitytoken`, unless a
/// credential store (`credsStore`, `credHelpers`) keeps it outside the file.
public enum DockerConfig {
    /// The file, relative to a home directory.
    public static let pathInHome = ".docker/config.json"

    /// Members of a registry entry that hold a secret, and what each is.
    static let secretFields: [String: CredentialHit.Kind] = [
        "auth": .registryLogin, "password": .password, "identitytoken": .token, "registrytoken": .token,
    ]

    /// The logins in the text of a docker config at `path`, one per secret member of each
    /// `auths` entry (`auths["registry.example.com"].auth`); none when it is not JSON.
    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        JSONKeyLines.credentials(in: bytes, path: path) { ancestors, key in
            // A registry entry is a member of the top-level `auths` object: `auths.<registry>.<field>`.
            guard ancestors.count == 2, ancestors[0] == .key("auths"), case let .key(registry) = ancestors[1],
                  let kind = secretFields[key.lowercased()] else { return nil }
            return (kind, "auths[\"\(registry)\"].\(key)")
        }
    }
}
