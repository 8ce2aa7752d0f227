import Findings

/// What an account's password field allows, judged without keeping the field: koopack never
/// stores or prints a password hash, only this verdict and the hash's scheme name.
public enum PasswordState: Sendable, Equatable {
    /// The field is empty: anyone may log in without a password (KG402).
    case empty
    /// Locked or impossible to match: `*`, `!`, `!!`, `!*`, any `!`-prefixed hash, `*LK*`,
    /// or a value that no crypt(3) output can equal (`x` in /etc/shadow, `NP`).
    case locked
    /// A crypt(3) hash a password can match (KG401), with its scheme (`sha512crypt`, `yescrypt`).
    case usable(scheme: String)

    /// Judges one password field of /etc/shadow or /etc/passwd.
    public init(field: Substring) {
        if field.isEmpty { self = .empty; return }
        if field.hasPrefix("!") || field.hasPrefix("*") { self = .locked; return }
        if field.hasPrefix("$") {
            let id = field.dropFirst().prefix { $0 != "$" }
            self = .usable(scheme: PasswordState.schemes[String(id)] ?? "crypt $\(id.prefix(8))$")
            return
        }
        let saltChars = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "/") }
        if field.count == 13, field.allSatisfy(saltChars) { self = .usable(scheme: "descrypt"); return }
        if field.count == 20, field.hasPrefix("_"), field.dropFirst().allSatisfy(saltChars) {
            self = .usable(scheme: "bsdicrypt"); return
        }
        self = .locked
    }

    /// crypt(3) scheme IDs (the text between the first two `$`) and their names.
    static let schemes: [String: String] = [
        "1": "md5crypt", "2a": "bcrypt", "2b": "bcrypt", "2y": "bcrypt", "5": "sha256crypt",
        "6": "sha512crypt", "y": "yescrypt", "gy": "gost-yescrypt", "7": "scrypt", "md5": "sunmd5",
        "sha1": "sha1crypt",
    ]
}

/// One account of the guest: its name, its home (from /etc/passwd) and the state of the password
/// that applies to it.
public struct GuestAccount: Sendable, Equatable {
    public var name: String
    public var uid: UInt32?
    /// The home directory from /etc/passwd; nil for an account only /etc/shadow names.
    public var home: String?
    /// The password that logs it in, and which file holds it.
    public var password: PasswordState
    public var passwordFile: String
}

/// The guest's accounts from `/etc/passwd` and `/etc/shadow`.
public enum Accounts {
    /// Largest passwd or shadow file read; a real one with thousands of users is well under it.
    public static let maxFileBytes = 16 << 20
    /// Most lines read from one file.
    public static let maxAccounts = 100_000

    /// The accounts of `passwd` and `shadow` (either may be absent). An account's password is the
    /// shadow entry's when passwd says `x` (or the account has a shadow entry and an empty passwd
    /// field); otherwise passwd's own field, as pam_unix reads them. Accounts only shadow names
    /// are kept too: their hashes still fire KG401.
    public static func parse(passwd: [UInt8]?, shadow: [UInt8]?) -> [GuestAccount] {
        var shadowStates: [(String, PasswordState)] = []
        var shadowIndex: [String: Int] = [:]
        for fields in lines(shadow) {
            guard fields.count >= 2, !fields[0].isEmpty else { continue }
            let name = String(fields[0])
            guard shadowIndex[name] == nil else { continue }
            shadowIndex[name] = shadowStates.count
            shadowStates.append((name, PasswordState(field: fields[1])))
        }
        var accounts: [GuestAccount] = []
        var seen: Set<String> = []
        for fields in lines(passwd) {
            guard fields.count >= 2, !fields[0].isEmpty else { continue }
            let name = String(fields[0])
            guard seen.insert(name).inserted else { continue }
            let home = fields.count >= 6 && !fields[5].isEmpty ? String(fields[5]) : nil
            let uid = fields.count >= 3 ? UInt32(fields[2]) : nil
            let field = fields[1]
            var account = GuestAccount(name: name, uid: uid, home: home, password: .locked, passwordFile: "/etc/passwd")
            if let i = shadowIndex[name], field == "x" || field.isEmpty {
                account.password = shadowStates[i].1
                account.passwordFile = "/etc/shadow"
            } else if field == "x" {
                account.password = .locked  // shadowed, but no shadow entry: nothing matches
            } else {
                account.password = PasswordState(field: field)
            }
            accounts.append(account)
        }
        for (name, state) in shadowStates where !seen.contains(name) {
            accounts.append(GuestAccount(name: name, uid: nil, home: nil, password: state, passwordFile: "/etc/shadow"))
        }
        return accounts
    }

    /// KG401 and KG402 for each account whose password is usable or empty.
    public static func findings(_ accounts: [GuestAccount]) -> [Finding] {
        var findings: [Finding] = []
        for account in accounts {
            switch account.password {
            case let .usable(scheme):
                findings.append(Finding(.presetPassword,
                                        message: "account \(account.name) has a preset password (a \(scheme) hash in \(account.passwordFile))",
                                        evidence: [("account", account.name), ("file", account.passwordFile), ("scheme", scheme)]))
            case .empty:
                findings.append(Finding(.emptyPassword,
                                        message: "account \(account.name) has an empty password in \(account.passwordFile): it logs in without one",
                                        evidence: [("account", account.name), ("file", account.passwordFile)]))
            case .locked:
                break
            }
        }
        return findings
    }

    /// The colon-separated fields of each line of `bytes`, skipping comments, bounded by
    /// `maxFileBytes` and `maxAccounts`.
    static func lines(_ bytes: [UInt8]?) -> [[Substring]] {
        guard let bytes else { return [] }
        let text = String(decoding: bytes.prefix(maxFileBytes), as: UTF8.self)
        var out: [[Substring]] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            guard out.count < maxAccounts else { break }
            if line.hasPrefix("#") || line.hasPrefix("+") || line.hasPrefix("-") { continue }  // NIS compat lines
            out.append(line.split(separator: ":", maxSplits: 8, omittingEmptySubsequences: false))
        }
        return out
    }
}
