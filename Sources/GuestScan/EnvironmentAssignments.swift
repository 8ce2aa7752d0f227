/// `KEY=value` assignments of secret variables in `/etc/environment` and shell start-up files:
/// `HUAWEICLOUD_SDK_SK=...`, `export OBS_SECRET_ACCESS_KEY=...`, `declare -x AWS_SECRET_ACCESS_KEY=...`.
/// Every login on every buyer's instance would carry them. A value that only refers to a secret
/// kept elsewhere (`$VAR`, `$(cat file)`, `` `cmd` ``) is not a hit, nor is a commented-out line.
public enum EnvironmentAssignments {
    /// Files outside the homes whose assignments every login reads (`/etc/profile.d/*.sh` too).
    public static let systemFiles = ["/etc/environment", "/etc/profile", "/etc/bash.bashrc", "/etc/bashrc",
                                     "/etc/zshenv", "/etc/zsh/zshenv", "/etc/zsh/zprofile", "/etc/zsh/zshrc"]
    /// The directory of profile snippets (`*.sh`).
    public static let systemProfileDirectory = "/etc/profile.d"
    /// Start-up files in a home.
    public static let filesInHome = [".profile", ".bash_profile", ".bash_login", ".bashrc", ".zshenv", ".zprofile",
                                     ".zshrc", ".cshrc", ".tcshrc", ".pam_environment"]

    /// Variables that hold a secret by name (Huawei Cloud's SDKs, OBS, AWS, OpenStack).
    static let secretNames: Set<String> = [
        "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HWCLOUD_SDK_SK", "HW_SECRET_KEY",
        "HW_SECURITY_TOKEN", "OBS_SECRET_ACCESS_KEY", "OBS_SECURITY_TOKEN", "OBS_SK",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "OS_PASSWORD", "OS_TOKEN",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY", "TENCENTCLOUD_SECRET_KEY",
        "AZURE_CLIENT_SECRET", "GITHUB_TOKEN", "GITLAB_TOKEN", "DOCKER_PASSWORD", "PGPASSWORD", "MYSQL_PWD",
    ]
    /// Name endings that mark a secret (`..._SECRET_ACCESS_KEY`, `..._PASSWORD`, `..._TOKEN`).
    static let secretSuffixes = ["_SECRET_ACCESS_KEY", "_SECRET_KEY", "_ACCESS_KEY_SECRET", "_SECRET",
                                 "_PASSWORD", "_PASSWD", "_TOKEN", "_API_KEY"]

    /// Whether variable `name` holds a secret by its name.
    public static func isSecretName(_ name: Substring) -> Bool {
        let upper = name.uppercased()
        return secretNames.contains(upper) || secretSuffixes.contains { upper.hasSuffix($0) }
    }

    /// One hit per assignment of a secret variable to a literal value, named by the variable.
    public static func credentials(in bytes: [UInt8], path: String) -> [CredentialHit] {
        var hits: [CredentialHit] = []
        for line in GuestTextLines(bytes).joiningContinuations() where !line.isBlankOrComment() {
            for (name, value) in assignments(line.trimmed) where isSecretName(name) && SecretValue.isLiteral(value) {
                let upper = name.uppercased()
                let kind: CredentialHit.Kind = upper.hasSuffix("PASSWORD") || upper.hasSuffix("PASSWD") || upper.hasSuffix("PWD")
                    ? .password : upper.hasSuffix("TOKEN") || upper.hasSuffix("API_KEY") ? .token : .secretAccessKey
                hits.append(CredentialHit(path: path, line: line.number, key: String(name), kind: kind))
            }
        }
        return hits
    }

    /// The `NAME=value` words of one shell line, after `export`, `declare -x`, `typeset -x`,
    /// `readonly`, `local` or csh's `setenv NAME value`, in each of its `;`-separated commands;
    /// values have their quotes stripped. Words after an unquoted `#` are a comment.
    static func assignments(_ line: Substring) -> [(name: Substring, value: Substring)] {
        shellWords(line).split(separator: ";").flatMap { command(Array($0)) }
    }

    /// The assignments of one simple command's words.
    private static func command(_ words: [Substring]) -> [(name: Substring, value: Substring)] {
        guard let first = words.first else { return [] }
        if first == "setenv" {
            guard words.count >= 3 else { return [] }
            return [(words[1], SecretValue.unquoted(words[2]))]
        }
        var result: [(name: Substring, value: Substring)] = []
        var rest = words[...]
        while let word = rest.first, ["export", "declare", "typeset", "readonly", "local"].contains(word) || word.hasPrefix("-") {
            rest.removeFirst()
        }
        for word in rest {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { break }
            let name = word[..<equals]
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { break }
            result.append((name, SecretValue.unquoted(word[word.index(after: equals)...])))
        }
        return result
    }

    /// The line split at unquoted blanks, with each unquoted `;` a word of its own, stopping at
    /// an unquoted `#` that starts a word.
    static func shellWords(_ line: Substring) -> [Substring] {
        var words: [Substring] = []
        var start: Substring.Index?
        var quote: Character?
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if let q = quote {
                if c == "\\" && q == "\"" {
                    i = line.index(after: i)
                    if i == line.endIndex { break }
                } else if c == q {
                    quote = nil
                }
            } else if c == " " || c == "\t" || c == ";" {
                if let s = start { words.append(line[s..<i]) }
                start = nil
                if c == ";" { words.append(line[i...i]) }
            } else {
                if start == nil {
                    if c == "#" { break }
                    start = i
                }
                if c == "\"" || c == "'" { quote = c }
                if c == "\\" {
                    i = line.index(after: i)
                    if i == line.endIndex { break }
                }
            }
            i = line.index(after: i)
        }
        if let s = start { words.append(line[s..<min(i, line.endIndex)]) }
        return words
    }
}
