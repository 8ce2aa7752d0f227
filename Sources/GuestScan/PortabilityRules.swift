import Findings

/// What ties the guest to the ECS its image was made from, so that it behaves differently (or
/// loses its network) on every buyer's instance: a baked machine ID (KG412) and NICs pinned by
/// MAC address or given static addresses (KG413).
enum PortabilityRules {
    /// Largest network configuration file read.
    static let maxFileBytes = 1 << 20
    /// Most files read from one configuration directory.
    static let maxFilesPerDirectory = 256
    /// Most files `/etc/network/interfaces` may pull in with `source` and `source-directory`.
    static let maxInterfaceFiles = 64

    /// KG412: `/etc/machine-id` or `/var/lib/dbus/machine-id` holds an ID. An empty file, or
    /// systemd's `uninitialized`, passes.
    static func machineID(reader: GuestFileReader) -> [Finding] {
        var findings: [Finding] = []
        for path in MachineID.paths {
            // dbus's file is often a symlink to /etc/machine-id: the same ID reported once.
            if path != MachineID.paths[0], reader.lstat(path)?.type == .symlink { continue }
            guard let (bytes, _) = reader.readPrefix(path, limit: MachineID.maxBytes),
                  MachineID.content(bytes) == .id else { continue }
            findings.append(Finding(.machineIDBaked,
                                    message: "\(path) holds a machine ID that every buyer's instance would share",
                                    evidence: [("file", path), ("line", "1")]))
        }
        return findings
    }

    /// KG413: one finding per pin in udev's rules, ifcfg files, netplan, NetworkManager's
    /// connections and Debian's interfaces (with the files it sources).
    static func networkPins(reader: GuestFileReader) -> [Finding] {
        var pins: [NetworkPin] = []
        func read(_ path: String, _ parse: ([UInt8], String) -> [NetworkPin]) {
            guard let bytes = reader.readWhole(path, limit: maxFileBytes) else { return }
            pins += parse(bytes, path)
        }
        func files(in directory: String, where wanted: (String) -> Bool) -> [String] {
            let names = (reader.list(directory) ?? []).filter { $0.type != .directory }.map(\.name).filter(wanted).sorted()
            return names.prefix(maxFilesPerDirectory).map { GuestFileReader.join(directory, $0) }
        }
        for path in files(in: UdevNetRules.directory, where: { $0.hasSuffix(".rules") }) { read(path, UdevNetRules.pins) }
        for directory in IfcfgFile.directories {
            for path in files(in: directory, where: { $0.hasPrefix("ifcfg-") }) { read(path, IfcfgFile.pins) }
        }
        for path in files(in: NetplanConfig.directory, where: { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }) {
            read(path, NetplanConfig.pins)
        }
        for path in files(in: NetworkManagerKeyfile.directory, where: { !$0.hasPrefix(".") }) { read(path, NetworkManagerKeyfile.pins) }
        for path in interfaceFiles(reader: reader) { read(path, DebianInterfaces.pins) }

        var seen: Set<NetworkPin> = []
        return pins.filter { seen.insert($0).inserted }.map { pin in
            var evidence = [("file", pin.path)]
            if let line = pin.line { evidence.append(("line", String(line))) }
            evidence += [("key", pin.field), ("kind", pin.kind.rawValue)]
            if let interface = pin.interface { evidence.append(("interface", interface)) }
            let why = pin.kind == .macAddress ? "a buyer's instance has another MAC address" : "IMS gives addresses by DHCP"
            return Finding(.networkPinned, message: "\(pin.description): \(why)", evidence: evidence)
        }
    }

    /// `/etc/network/interfaces` and the files it includes (`source` paths, which may end in a
    /// `*` pattern, and `source-directory` folders), relative paths taken from `/etc/network`,
    /// each file once, at most `maxInterfaceFiles`.
    static func interfaceFiles(reader: GuestFileReader) -> [String] {
        var found: [String] = []
        var pending = [DebianInterfaces.path]
        while let path = pending.popLast(), found.count < maxInterfaceFiles {
            guard !found.contains(path), let bytes = reader.readWhole(path, limit: maxFileBytes) else { continue }
            found.append(path)
            for include in DebianInterfaces.includes(in: bytes).reversed() {
                let absolute = include.hasPrefix("/") ? include : "/etc/network/" + include
                pending += expand(absolute, reader: reader).reversed()
            }
        }
        return found
    }

    /// The files `pattern` names: itself, or the entries of its folder matching its last
    /// component's `*` (`interfaces.d/*`, `*.cfg`), or every file of a folder (`source-directory`).
    static func expand(_ pattern: String, reader: GuestFileReader) -> [String] {
        let slash = pattern.lastIndex(of: "/") ?? pattern.startIndex
        let directory = String(pattern[..<slash])
        let name = String(pattern[pattern.index(after: slash)...])
        if !name.contains("*") {
            guard reader.stat(pattern)?.type == .directory else { return [pattern] }
            return ((reader.list(pattern) ?? []).map(\.name).filter { !$0.hasPrefix(".") }.sorted())
                .prefix(maxInterfaceFiles).map { GuestFileReader.join(pattern, $0) }
        }
        let parts = name.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        let names = (reader.list(directory.isEmpty ? "/" : directory) ?? []).map(\.name).filter { candidate in
            guard !candidate.hasPrefix("."), let first = parts.first, let last = parts.last,
                  candidate.hasPrefix(first), candidate.hasSuffix(last), candidate.count >= first.count + last.count else { return false }
            var rest = candidate.dropFirst(first.count).dropLast(last.count)
            for middle in parts.dropFirst().dropLast() {
                guard let range = rest.firstRange(of: middle) else { return false }
                rest = rest[range.upperBound...]
            }
            return true
        }
        return names.sorted().prefix(maxInterfaceFiles).map { GuestFileReader.join(directory.isEmpty ? "/" : directory, $0) }
    }
}
