import DiskImage
import Findings
import ImagePackage

/// KG112, KG113, KG114, KG118: the file itself must be whole, importable and complete.
extension Rules {
    /// KG112: the image needs another file for its data.
    public static let notSelfContained: Rule = Rule(.notSelfContained) { rule, input in
        guard let info = input.imageCase.info else { return [] }
        var evidence: [(String, String)] = []
        if let backing = info.backingFilename { evidence.append(("backing-filename", backing)) }
        if let parent = info.parentReference { evidence.append(("parent", parent)) }
        if let dataFile = info.externalDataFile { evidence.append(("data-file", dataFile)) }
        return rule.finding(
            "\(input.imageCase.fileName) depends on another file; IMS imports one self-contained file.", evidence)
    }

    /// KG113: IMS does not import this format.
    public static let formatNotAccepted: Rule = Rule(.formatNotAccepted) { rule, input in
        let accepted = input.profile.acceptedFormats
        if let format = input.imageCase.info?.format {
            guard !accepted.contains(where: { $0.equalsIgnoringCase(format) }) else { return [] }
            return rule.finding("IMS does not import \(format) images.", [("format", format)])
        }
        if let diskFormat = input.imageCase.metadata?.diskFormat, !accepted.contains(where: { $0.equalsIgnoringCase(diskFormat) }) {
            return rule.finding("IMS does not import \(diskFormat) images.", [("disk_format", diskFormat)])
        }
        return []
    }

    /// KG114: the header says the image is damaged or was not closed cleanly.
    public static let headerDamaged: Rule = Rule(.headerDamaged) { rule, input in
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
    public static let imageNotActive: Rule = Rule(.imageNotActive) { rule, input in
        guard let status = input.imageCase.metadata?.status, !status.equalsIgnoringCase("active") else { return [] }
        return rule.finding(
            "\(input.imageCase.fileName) is \(status) in IMS, not active.", [("status", status)])
    }
}
