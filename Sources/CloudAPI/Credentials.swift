/// A Huawei Cloud access key pair, read from the environment variables Huawei's own SDKs read.
///
/// The secret key and the security token never leave this value but as a signature: its
/// `description`, `debugDescription` and mirror show the access key ID only, so neither an error
/// message, `--verbose` nor a `dump` can print them.
public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key ID (AK): not a secret, it appears in every `Authorization` header.
    public let accessKey: String
    /// The secret access key (SK). Module-internal: only the signer reads it.
    let secretKey: String
    /// The security token of temporary credentials, sent as `X-Security-Token`.
    let securityToken: String?
    /// The project ID to use instead of asking IAM, when the environment gives one.
    public let projectID: String?

    public static let accessKeyVariable = "HUAWEICLOUD_SDK_AK"
    public static let secretKeyVariable = "HUAWEICLOUD_SDK_SK"
    public static let securityTokenVariable = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
    public static let projectIDVariable = "HUAWEICLOUD_SDK_PROJECT_ID"

    public init(accessKey: String, secretKey: String, securityToken: String? = nil, projectID: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.securityToken = securityToken
        self.projectID = projectID
    }

    /// The credentials in `environment`. Throws a `CloudAPIError` naming each missing variable,
    /// or the variable whose value could not go into a header (never the value itself).
    public static func fromEnvironment(_ environment: [String: String]) throws -> Credentials {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmed, !text.isEmpty else { return nil }
            return text
        }
        let accessKey = value(accessKeyVariable)
        let secretKey = value(secretKeyVariable)
        let missing = [accessKey == nil ? accessKeyVariable : nil, secretKey == nil ? secretKeyVariable : nil].compactMap { $0 }
        guard let accessKey, let secretKey else {
            throw CloudAPIError(.configuration, "\(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not set: "
                + "set \(accessKeyVariable) and \(secretKeyVariable) to an access key of the seller's account "
                + "(and \(securityTokenVariable) for temporary credentials)")
        }
        let token = value(securityTokenVariable)
        let project = value(projectIDVariable)
        for (name, text) in [(accessKeyVariable, accessKey), (secretKeyVariable, secretKey),
                             (securityTokenVariable, token ?? ""), (projectIDVariable, project ?? "")] {
            guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw CloudAPIError(.configuration, "\(name) holds spaces, control or non-ASCII characters: it cannot be sent in a header")
            }
        }
        return Credentials(accessKey: accessKey, secretKey: secretKey, securityToken: token, projectID: project)
    }

    /// Whether these are temporary credentials (they carry a security token).
    public var isTemporary: Bool { securityToken != nil }

    public var description: String {
        "access key \(accessKey)" + (isTemporary ? " (temporary)" : "") + ", secret key not shown"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["accessKey": accessKey, "projectID": projectID as Any], displayStyle: .struct)
    }
}
