/// The INI-style files command-line tools keep their keys in: `[section]` headers and
/// `key = value` lines. Each tool has its own secret keys; a line that is a comment (`#` or
/// `;`) is never a hit, nor is a key with no value (MySQL's bare `password` asks at run time).
public enum INICredentials {
    /// The tools whose files are read, with where each keeps its file in a home.
    public enum Format: String, Sendable, CaseIterable {
        /// obsutil (Huawei Cloud OBS): `~/.obsutilconfig`, `ak`/`sk`/`token` under `[Credentials]`.
        case obsutil
        /// s3cmd: `~/.s3cfg`, `access_key`/`secret_key` under `[default]`.
        case s3cmd
        /// The AWS CLI and SDKs: `~/.aws/credentials`, `aws_secret_access_key` per profile.
        case aws
        /// rclone: `~/.config/rclone/rclone.conf`, one section per remote.
        case rclone
        /// MySQL and MariaDB clients: `~/.my.cnf`, `password` under `[client]`.
        case mysql

        /// The file, relative to a home directory.
        public var pathInHome: String {
            switch self {
            case .obsutil: ".obsutilconfig"
            case .s3cmd: ".s3cfg"
            case .aws: ".aws/credentials"
            case .rclone: ".config/rclone/rclone.conf"
            case .mysql: ".my.cnf"
            }
        }

        /// The keys (lower case) that hold a secret in this tool's file, and what each is.
        var secretKeys: [String: CredentialHit.Kind] {
            switch self {
            case .obsutil:
                ["sk": .secretAccessKey, "token": .token, "securitytoken": .token]
            case .s3cmd:
                ["secret_key": .secretAccessKey, "access_token": .token, "gpg_passphrase": .password,
                 "proxy_password": .password]
            case .aws:
                ["aws_secret_access_key": .secretAccessKey, "aws_session_token": .token,
                 "aws_security_token": .token]
            case .rclone:
                ["secret_access_key": .secretAccessKey, "session_token": .token, "pass": .password,
                 "password": .password, "password2": .password, "token": .token, "client_secret": .token,
                 "key": .secretAccessKey, "account_key": .secretAccessKey, "sas_url": .token,
                 "bearer_token": .token, "api_key": .token, "access_token": .token,
                 "service_account_credentials": .privateKey]
            case .mysql:
                ["password": .password, "passwd": .password]
            }
        }
    }

    /// The secrets in the text of a `format` file at `path`: one hit per secret key with a
    /// value, named `section.key` (`default.aws_secret_access_key`), or `key` outside any section.
    public static func credentials(in bytes: [UInt8], path: String, format: Format) -> [CredentialHit] {
        let secrets = format.secretKeys
        var hits: [CredentialHit] = []
        for entry in entries(bytes) {
            guard let kind = secrets[entry.key.lowercased()], SecretValue.isLiteral(SecretValue.unquoted(entry.value)) else { continue }
            let name = entry.section.map { "\($0).\(entry.key)" } ?? String(entry.key)
            hits.append(CredentialHit(path: path, line: entry.line, key: name, kind: kind))
        }
        return hits
    }

    /// One `key = value` line of an INI file.
    struct Entry {
        var section: String?
        var key: Substring
        var value: Substring
        var line: Int
    }

    /// Every `key = value` (or `key: value`) line, with the section it is in. Comments (`#`,
    /// `;`), section headers and bare keys are not entries.
    static func entries(_ bytes: [UInt8]) -> [Entry] {
        var section: String?
        var entries: [Entry] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment(["#", ";"]) {
            let text = line.trimmed
            if text.hasPrefix("[") {
                if let close = text.firstIndex(of: "]") {
                    section = String(text[text.index(after: text.startIndex)..<close].trimmingBlanks)
                }
                continue
            }
            guard let separator = text.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = text[..<separator].trimmingBlanks
            guard !key.isEmpty else { continue }
            entries.append(Entry(section: section, key: key, value: text[text.index(after: separator)...], line: line.number))
        }
        return entries
    }
}
