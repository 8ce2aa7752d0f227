/// A kubeconfig (`~/.kube/config`, and `/etc/kubernetes/admin.conf` on a control-plane node):
/// YAML whose `users` entries log in to clusters with a `token`, a `client-key-data` private key,
/// a `password`, or an auth provider's tokens and client secret.
public enum Kubeconfig {
    /// The file, relative to a home directory.
    public static let pathInHome = ".kube/config"
    /// Cluster-admin kubeconfigs kubeadm leaves outside the homes.
    public static let systemFiles = ["/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"]

    /// Keys that hold a secret, and what each is.
    static let secretKeys: [String: CredentialHit.Kind] = [
        "token": .token, "client-key-data": .privateKey, "password": .password,
        "id-token": .token, "refresh-token": .token, "access-token": .token, "client-secret": .token,
    ]

    /// One hit per secret key with a value, under `users` (the only section that logs in),
    /// named by its path: `users[0].user.token`. None when the text is not YAML.
    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        guard let root = YAMLWalk.compose(bytes) else { return [] }
        var hits: [CredentialHit] = []
        YAMLWalk.entries(of: root) { ancestors, key, keyNode, value in
            guard ancestors.first == .key("users"), let kind = secretKeys[key],
                  let text = YAMLWalk.scalar(value), SecretValue.isLiteral(Substring(text)) else { return }
            hits.append(CredentialHit(path: path, line: YAMLWalk.line(keyNode), key: DocumentPath.text(ancestors, key), kind: kind))
        }
        return hits
    }
}
