import Findings
import GuestFilesystem

/// A home directory to look in: root's, or one /etc/passwd names.
struct GuestHome: Sendable, Equatable {
    /// The path as /etc/passwd gives it (resolved inside the guest on every read).
    var path: String
    /// The accounts whose home it is.
    var accounts: [String]
    /// Whether it is a person's home (root, uid 1000 and up, or under /home), whose files are
    /// opened to look for private keys; a system account's home (`/usr/sbin`, `/bin`) is only
    /// searched by file name, so that the scan never reads a whole system directory.
    var isPersonal: Bool
}

/// The homes of the guest's accounts.
enum GuestHomes {
    /// Most homes searched: one per account, up to this many distinct directories.
    static let maxHomes = 10_000

    /// `/root` first, then each distinct existing home of `accounts`, in passwd order. Homes are
    /// told apart by the directory they resolve to, so `/home/x` and a symlink to it count once.
    static func of(_ accounts: [GuestAccount], reader: GuestFileReader) -> [GuestHome] {
        var homes: [GuestHome] = []
        var byInode: [UInt64: Int] = [:]
        var wanted: [(path: String, account: String, personal: Bool)] = [("/root", "root", true)]
        for account in accounts {
            guard let home = account.home, home.hasPrefix("/") else { continue }
            let personal = account.uid == 0 || (account.uid.map { $0 >= 1000 && $0 != 65534 } ?? false)
                || home.hasPrefix("/home/")
            wanted.append((home, account.name, personal))
        }
        for (path, account, personal) in wanted {
            guard let node = reader.stat(path), node.type == .directory else { continue }
            if let i = byInode[node.number] {
                if !homes[i].accounts.contains(account) { homes[i].accounts.append(account) }
                homes[i].isPersonal = homes[i].isPersonal || personal
                continue
            }
            guard homes.count < maxHomes else { break }
            byInode[node.number] = homes.count
            homes.append(GuestHome(path: path, accounts: [account], isPersonal: personal))
        }
        return homes
    }
}

/// SSH keys left in the image: authorized keys (KG403), private keys in homes (KG404) and the
/// host's own keys (KG405).
enum SSHKeys {
    /// Largest authorized_keys file read to count its keys; a bigger one fires KG403 unread.
    static let maxAuthorizedKeysBytes = 1 << 20
    /// Bytes read from the start of a file to see whether it is a PEM or OpenSSH private key.
    static let keyProbeBytes = 4096
    /// Largest file opened to look for a private key: keys are a few KiB.
    static let maxKeyFileBytes: UInt64 = 256 << 10
    /// Most files examined (inode read, and opened when small) per directory for a private key.
    static let maxProbesPerDirectory = 256
    /// Most files opened in all homes together: with `keyProbeBytes` each, the probes of a
    /// guest with thousands of crowded homes still read at most 16 MiB.
    static let maxProbesInAll = 4096
    /// Most host key names reported in one finding.
    static let maxHostKeysListed = 32

    /// File names ssh-keygen gives private keys by default.
    static let privateKeyNames: Set<String> = [
        "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "identity",
    ]

    /// KG403: a non-empty `authorized_keys` or `authorized_keys2` in any home's `.ssh`.
    static func authorizedKeys(homes: [GuestHome], reader: GuestFileReader) -> [Finding] {
        var findings: [Finding] = []
        for home in homes {
            for name in ["authorized_keys", "authorized_keys2"] {
                let path = GuestFileReader.join(home.path, ".ssh/" + name)
                guard let (bytes, size) = reader.readPrefix(path, limit: maxAuthorizedKeysBytes), size > 0 else { continue }
                let keys = keyLines(bytes)
                guard keys > 0 || size > UInt64(maxAuthorizedKeysBytes) else { continue }
                var evidence = [("file", path), ("accounts", home.accounts.joined(separator: ","))]
                evidence.append(("keys", size > UInt64(maxAuthorizedKeysBytes) ? "more than can be counted" : String(keys)))
                findings.append(Finding(.presetSSHKey,
                                        message: "\(path) holds \(keys == 1 ? "an authorized key" : "authorized keys") for \(home.accounts.joined(separator: ", "))",
                                        evidence: evidence))
            }
        }
        return findings
    }

    /// Lines that are neither blank nor comments: the keys an authorized_keys file grants.
    static func keyLines(_ bytes: [UInt8]) -> Int {
        var count = 0
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") }) else { continue }
            if first != UInt8(ascii: "#") { count += 1 }
        }
        return count
    }

    /// KG404: private key files in each home and its `.ssh`: known key names in every home,
    /// and files whose first bytes are a private key in personal homes and every `.ssh`.
    static func privateKeys(homes: [GuestHome], reader: GuestFileReader) -> [Finding] {
        var findings: [Finding] = []
        var reported: Set<String> = []
        var probesInAll = 0
        for home in homes {
            for (directory, probe) in [(home.path, home.isPersonal), (GuestFileReader.join(home.path, ".ssh"), true)] {
                guard let entries = reader.list(directory) else { continue }
                var probes = 0
                for entry in entries {
                    let path = GuestFileReader.join(directory, entry.name)
                    guard entry.type == nil || entry.type == .regular else { continue }
                    let named = privateKeyNames.contains(entry.name)
                    let mayProbe = probe && probes < maxProbesPerDirectory && probesInAll < maxProbesInAll
                    guard named || mayProbe else { continue }
                    if !named {
                        probes += 1
                        probesInAll += 1
                    }
                    guard let node = reader.lstat(path), node.type == .regular, node.size > 0 else { continue }
                    var why: String?
                    if named {
                        why = "named \(entry.name)"
                    } else if node.size <= maxKeyFileBytes {
                        if let (head, _) = reader.readPrefix(path, limit: keyProbeBytes), let kind = privateKeyKind(head) {
                            why = "holds \(kind)"
                        }
                    }
                    guard let why, reported.insert(path).inserted else { continue }
                    findings.append(Finding(.privateKeyLeft,
                                            message: "\(path) is a private key (\(why)) in the home of \(home.accounts.joined(separator: ", "))",
                                            evidence: [("file", path), ("reason", why)]))
                }
            }
        }
        return findings
    }

    /// The kind of private key the first bytes of a file begin (`an OPENSSH PRIVATE KEY`), nil
    /// when they hold no `-----BEGIN ... PRIVATE KEY-----` line.
    static func privateKeyKind(_ head: [UInt8]) -> String? {
        let begin = Array("-----BEGIN ".utf8)
        let end = Array("PRIVATE KEY-----".utf8)
        var i = 0
        while i + begin.count <= head.count {
            if head[i] == begin[0], Array(head[i..<(i + begin.count)]) == begin {
                let start = i + begin.count
                var j = start
                while j < head.count, head[j] != UInt8(ascii: "\n"), j - start < 64 {
                    if j + end.count <= head.count, Array(head[j..<(j + end.count)]) == end {
                        let label = String(decoding: head[start..<(j + end.count - 5)], as: UTF8.self)
                        return "a \(label)"
                    }
                    j += 1
                }
            }
            i += 1
        }
        return nil
    }

    /// KG405: `/etc/ssh/ssh_host_*_key` files (the private halves).
    static func hostKeys(reader: GuestFileReader) -> [Finding] {
        guard let entries = reader.list("/etc/ssh") else { return [] }
        var keys: [String] = []
        for entry in entries where entry.name.hasPrefix("ssh_host_") && entry.name.hasSuffix("_key") {
            guard entry.name.count > "ssh_host__key".count else { continue }
            let path = "/etc/ssh/" + entry.name
            guard let node = reader.lstat(path), node.type == .regular || node.type == .symlink else { continue }
            keys.append(path)
        }
        guard !keys.isEmpty else { return [] }
        keys.sort()
        let listed = keys.prefix(maxHostKeysListed).joined(separator: ", ")
        return [Finding(.sshHostKeysLeft,
                        message: "\(keys.count) SSH host key\(keys.count == 1 ? "" : "s") left in /etc/ssh: \(listed)",
                        evidence: [("files", listed), ("count", String(keys.count))])]
    }
}
