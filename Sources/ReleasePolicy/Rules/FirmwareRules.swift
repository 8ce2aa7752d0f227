import DiskImage
import Findings
import ImagePackage

/// KG115, KG117: the firmware the image declares, and what releasing does to it.
extension Rules {
    /// KG115: `hw_firmware_type` names a firmware the guest disk cannot boot with.
    public static let firmwareMismatch: Rule = Rule(.firmwareMismatch) { rule, input in
        guard let firmware = input.imageCase.metadata?.firmwareType, let guest = input.imageCase.guest else { return [] }
        let mismatch: Bool
        switch firmware.lowercased() {
        case "uefi": mismatch = guest.boot == .bios
        case "bios": mismatch = guest.boot == .uefi
        default: mismatch = false
        }
        guard mismatch else { return [] }
        return rule.finding(
            "hw_firmware_type is \(firmware) but \(input.imageCase.fileName) boots with \(guest.boot == .bios ? "BIOS" : "UEFI") only.",
            [("hw_firmware_type", firmware), ("guest boot", guest.boot.rawValue), ("partition table", guest.partitionTable.rawValue)])
    }

    /// KG117: a note on every eligible private image that releasing it locks it.
    public static let releaseLocksImage: Rule = Rule(.releaseLocksImage) { rule, input in
        if let metadata = input.imageCase.metadata, !Classification.isPrivate(metadata) { return [] }
        let blocked = RuleCatalogue.imageRules.contains { rule in
            rule.id != .releaseLocksImage && rule.evaluate(input).contains { $0.severity == .error }
        }
        guard !blocked else { return [] }
        var evidence: [(String, String)] = []
        if let metadata = input.imageCase.metadata {
            if let type = metadata.imageType { evidence.append(("__imagetype", type)) }
            if let visibility = metadata.visibility { evidence.append(("visibility", visibility)) }
        } else {
            evidence.append(("metadata", "none"))
        }
        return [Finding(rule,
                        message: "Releasing \(input.imageCase.fileName) locks it: it gets the product's price attribute and can no longer deploy a VM or be released again.",
                        evidence: evidence)]
    }
}
