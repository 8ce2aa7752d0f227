import Findings

/// KG414: the boot needs a filesystem the image does not have. `/etc/fstab`, the systemd mount
/// units, GRUB's `grub.cfg` and the Boot Loader Specification entries name devices; each
/// required name (not `nofail`/`noauto`, not `resume=`) is looked up among the names of this
/// image's volumes (`ImageIdentities`). A name no volume has is an error: the buyer's ECS stops
/// in emergency mode. A bare `/dev/sdX`, `/dev/xvdX` or `/dev/hdX` is a warning: on an ECS the
/// disks are virtio, `/dev/vdX`, which passes.
enum BootReferenceRules {
    /// Largest configuration file read (a grub.cfg with many kernels is a few hundred KiB).
    static let maxFileBytes = 4 << 20
    /// Most mount units or boot entries read from one folder.
    static let maxFilesPerDirectory = 256

    /// Every device reference the guest's boot configuration makes.
    static func references(reader: GuestFileReader) -> [BootReference] {
        var references: [BootReference] = []
        func files(in directory: String, suffixes: [String]) -> [String] {
            let names = (reader.list(directory) ?? []).filter { $0.type != .directory }.map(\.name)
                .filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted()
            return names.prefix(maxFilesPerDirectory).map { GuestFileReader.join(directory, $0) }
        }
        if let bytes = reader.readWhole(Fstab.path, limit: maxFileBytes) {
            references += Fstab.references(in: bytes, path: Fstab.path)
        }
        for path in files(in: SystemdMountUnit.directory, suffixes: [".mount", ".swap"]) {
            if let bytes = reader.readWhole(path, limit: maxFileBytes), let reference = SystemdMountUnit.reference(in: bytes, path: path) {
                references.append(reference)
            }
        }
        var readGrub: Set<UInt64> = []
        for path in GrubConfig.paths {
            // /boot/grub2/grub.cfg is often a link to the EFI copy: read each file once.
            guard let node = reader.stat(path), readGrub.insert(node.number).inserted,
                  let bytes = reader.readWhole(path, limit: maxFileBytes) else { continue }
            references += GrubConfig.references(in: bytes, path: path)
        }
        let grubenv = BootLoaderSpec.grubenvPaths.lazy.compactMap { reader.readWhole($0, limit: 64 << 10) }.first
        for path in files(in: BootLoaderSpec.directory, suffixes: [".conf"]) {
            if let bytes = reader.readWhole(path, limit: maxFileBytes) {
                references += BootLoaderSpec.references(in: bytes, path: path, grubenv: grubenv)
            }
        }
        return references
    }

    /// The findings for `references` against `identities`; without identities (a guest that is
    /// not an image, whose volumes are not known) only bare device names are judged.
    static func findings(references: [BootReference], identities: ImageIdentities?) -> [Finding] {
        var findings: [Finding] = []
        // A grub.cfg names the same root in every menu entry: one finding per file and name,
        // with every line it is on.
        var grouped: [(reference: BootReference, lines: [Int], status: BootReferenceStatus)] = []
        var index: [String: Int] = [:]
        for reference in references where !reference.isOptional {
            let status: BootReferenceStatus
            if let identities {
                status = identities.status(of: reference)
            } else {
                status = reference.kind == .devicePath ? ImageIdentities().status(of: reference) : .notJudged
            }
            guard status == .missing || status == .bareDeviceName else { continue }
            let key = "\(reference.path)\u{0}\(reference.kind.rawValue)\u{0}\(reference.value)\u{0}\(reference.usage)"
            if let i = index[key] {
                grouped[i].lines.append(reference.line)
            } else {
                index[key] = grouped.count
                grouped.append((reference, [reference.line], status))
            }
        }
        for (reference, lines, status) in grouped {
            let name = reference.kind == .devicePath ? reference.value : "\(reference.kind.rawValue)=\(reference.value)"
            let evidence = [("file", reference.path), ("line", lines.map(String.init).joined(separator: ",")),
                            ("key", reference.usage), ("device", name)]
            let place = "\(reference.path):\(lines[0])\(lines.count > 1 ? " (and \(lines.count - 1) more line\(lines.count > 2 ? "s" : ""))" : "")"
            if status == .missing {
                findings.append(Finding(.bootReferenceMissing,
                                        message: "\(place): \(reference.usage) needs \(name), which no filesystem, partition or volume of this image has: the buyer's ECS would stop at boot",
                                        evidence: evidence))
            } else {
                let rule = RuleID.bootReferenceMissing.definition
                findings.append(Finding(ruleID: rule.id, severity: .warning,
                                        message: "\(place): \(reference.usage) is on the bare device name \(name), which need not exist on an ECS (its disks are /dev/vdX)",
                                        evidence: evidence, remedy: rule.remedy))
            }
        }
        return findings
    }
}
