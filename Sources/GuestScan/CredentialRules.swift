import Findings

/// Secrets left in the image: cloud and service credentials in the homes and the shell
/// start-up files every login reads (KG411), and private keys where services keep them
/// (KG416). A finding names the file, the line and the key, never the secret: the parsers
/// return `CredentialHit`s and `PrivateKeyHit`s, which hold no value to leak.
enum CredentialRules {
    /// Largest credential file read (configs are a few KiB; JSON ones are parsed whole).
    static let maxFileBytes = JSONKeyLines.maxBytes
    /// Most `/etc/profile.d/*.sh` snippets read.
    static let maxProfileSnippets = 256

    /// KG411: one finding per credential in each home's tool configs and start-up files, in
    /// `/etc/environment` and the system-wide profiles, and in kubeadm's admin kubeconfigs.
    static func cloudCredentials(homes: [GuestHome], reader: GuestFileReader) -> [Finding] {
        var hits: [CredentialHit] = []
        func scanFile(_ path: String, _ parse: ([UInt8], String) -> [CredentialHit]) {
            guard let bytes = reader.readWhole(path, limit: maxFileBytes) else { return }
            hits += parse(bytes, path)
        }
        for home in homes {
            // The home is listed once and only the files whose first component it holds are
            // looked up: a system account's home such as /usr/sbin is not searched 25 times.
            let names = Set((reader.list(home.path) ?? []).map(\.name))
            func scan(_ relative: String, _ parse: ([UInt8], String) -> [CredentialHit]) {
                guard let first = relative.split(separator: "/").first, names.contains(String(first)) else { return }
                scanFile(GuestFileReader.join(home.path, relative), parse)
            }
            scan(KooCLIConfig.pathInHome, KooCLIConfig.credentials)
            for format in INICredentials.Format.allCases {
                scan(format.pathInHome) { INICredentials.credentials(in: $0, path: $1, format: format) }
            }
            scan(Netrc.pathInHome, Netrc.credentials)
            for relative in GitCredentials.pathsInHome { scan(relative, GitCredentials.credentials) }
            scan(DockerConfig.pathInHome, DockerConfig.credentials)
            scan(Kubeconfig.pathInHome, Kubeconfig.credentials)
            scan(PGPass.pathInHome, PGPass.credentials)
            for relative in EnvironmentAssignments.filesInHome { scan(relative, EnvironmentAssignments.credentials) }
        }
        for path in EnvironmentAssignments.systemFiles { scanFile(path, EnvironmentAssignments.credentials) }
        let snippets = (reader.list(EnvironmentAssignments.systemProfileDirectory) ?? [])
            .map(\.name).filter { $0.hasSuffix(".sh") }.sorted()
        for name in snippets.prefix(maxProfileSnippets) {
            scanFile(GuestFileReader.join(EnvironmentAssignments.systemProfileDirectory, name), EnvironmentAssignments.credentials)
        }
        for path in Kubeconfig.systemFiles { scanFile(path, Kubeconfig.credentials) }

        var seen: Set<CredentialHit> = []
        return hits.filter { seen.insert($0).inserted }.map { hit in
            var evidence = [("file", hit.path)]
            if let line = hit.line { evidence.append(("line", String(line))) }
            evidence += [("key", hit.key), ("kind", hit.kind.rawValue)]
            return Finding(.cloudCredentialsLeft,
                           message: "\(hit.path)\(hit.line.map { ":\($0)" } ?? ""): \(hit.key) holds a \(hit.kind.rawValue) that every buyer's instance would carry",
                           evidence: evidence)
        }
    }

    /// KG416: one finding per private key in the places services keep keys (bounded by
    /// `PrivateKeyFile.maxFilesLookedAt`; a search stopped by its bound is a warning). A key in
    /// a home that lies under a service directory (`/srv/carol`) is KG404's, not reported again.
    static func privateKeysInSystem(homes: [GuestHome], reader: GuestFileReader) -> [Finding] {
        let result = ServicePrivateKeys.find(in: reader.fs)
        for path in result.unreadable { reader.warn("\(path): could not be read while looking for private keys") }
        if result.truncated {
            reader.warn("the search for private keys in \(PrivateKeyFile.serviceDirectories.joined(separator: ", ")) stopped after \(result.filesLookedAt) files; keys past them were not looked for")
        }
        let homePrefixes = homes.filter { $0.isPersonal && $0.path != "/" }.map { GuestFileReader.join($0.path, "") }
        return result.keys.filter { key in !homePrefixes.contains { key.path.hasPrefix($0) } }.map { key in
            Finding(.privateKeyInSystem,
                    message: "\(key.path):\(key.line): a private key (\(key.kind)) that every buyer's instance would share",
                    evidence: [("file", key.path), ("line", String(key.line)), ("key", key.kind)])
        }
    }
}
