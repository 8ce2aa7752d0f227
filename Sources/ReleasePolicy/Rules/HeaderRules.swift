import DiskImage
import ImagePackage

/// KG112, KG113, KG114, KG118: the file itself must be whole, importable and complete.
extension Rules {
    /// KG112: the image needs another file for its data.
    public static let notSelfContained: Rule = Rule(RuleDefinition(
        id: "KG112", name: "not-self-contained", severity: .error,
        summary: "The image depends on another file.",
        detail: "Fires when the header names a backing file, a parent (differencing VHD/VHDX/VDI, VMDK parentCID) or an external data file.",
        remedy: "Flatten it: qemu-img convert -O qcow2 IMAGE FLAT.qcow2.")) { rule, input in
        guard let info = input.imageCase.info else { return [] }
        var evidence: [(String, String)] = []
        if let backing = info.backingFilename { evidence.append(("backing-filename", backing)) }
        if let parent = info.parentReference { evidence.append(("parent", parent)) }
        if let dataFile = info.externalDataFile { evidence.append(("data-file", dataFile)) }
        return rule.finding(
            "\(input.imageCase.fileName) depends on another file; IMS imports one self-contained file.", evidence)
    }

    /// KG113: IMS does not import this format.
    public static let formatNotAccepted: Rule = Rule(RuleDefinition(
        id: "KG113", name: "format-not-accepted", severity: .error,
        summary: "IMS does not import the image's format.",
        detail: "Fires when the header's format (or, without a header, the metadata's disk_format) is not in the profile's accepted formats (VHD, VMDK, QCOW2, RAW, VHDX, QED, VDI, QCOW, ZVHD, ZVHD2, ISO).",
        remedy: "Convert it: qemu-img convert -O qcow2 IMAGE IMAGE.qcow2.")) { rule, input in
        let accepted = Set(input.profile.acceptedFormats.map { $0.lowercased() })
        if let format = input.imageCase.info?.format {
            guard !accepted.contains(format.lowercased()) else { return [] }
            return rule.finding("IMS does not import \(format) images.", [("format", format)])
        }
        if let diskFormat = input.imageCase.metadata?.diskFormat, !accepted.contains(diskFormat.lowercased()) {
            return rule.finding("IMS does not import \(diskFormat) images.", [("disk_format", diskFormat)])
        }
        return []
    }

    /// KG114: the header says the image is damaged or was not closed cleanly.
    public static let headerDamaged: Rule = Rule(RuleDefinition(
        id: "KG114", name: "header-damaged", severity: .error,
        summary: "The image's header is damaged.",
        detail: "Fires when the header is marked corrupt or a checksum failed (qcow2 corrupt bit, VHD/VHDX checksums, a truncated file), or the image is dirty (qcow2 dirty bit and equivalents).",
        remedy: "Repair it (qemu-img check -r all) or export it again.")) { rule, input in
        guard let info = input.imageCase.info else { return [] }
        var evidence: [(String, String)] = []
        if info.corrupt { evidence.append(("corrupt", "true")) }
        if info.dirty == true { evidence.append(("dirty-flag", "true")) }
        if !evidence.isEmpty {
            for warning in info.warnings.prefix(maximumWarningsInEvidence) { evidence.append(("warning", warning)) }
        }
        return rule.finding(
            "\(input.imageCase.fileName) has a damaged or unclean header.", evidence)
    }

    /// How many of the header's warnings KG114 quotes; the rest are in `koopack inspect`.
    static let maximumWarningsInEvidence = 5

    /// KG118: only an active image can be released.
    public static let imageNotActive: Rule = Rule(RuleDefinition(
        id: "KG118", name: "image-not-active", severity: .error,
        summary: "The image is not active in IMS.",
        detail: "Fires when the metadata's status is present and not active (queued, saving, deleted, killed).",
        remedy: "Wait until IMS finishes making the image, or make it again.")) { rule, input in
        guard let status = input.imageCase.metadata?.status, status.lowercased() != "active" else { return [] }
        return rule.finding(
            "\(input.imageCase.fileName) is \(status) in IMS, not active.", [("status", status)])
    }
}
