import DiskImage
import Findings
import ImagePackage

/// KG115, KG117: the firmware the image declares, and what releasing does to it.
extension Rules {
    /// The firmware the metadata declares: `hw_firmware_type`, and `bios` when it is absent
    /// (IMS's attribute table: an image without the field boots with BIOS). Nil without metadata.
    static func declaredFirmware(_ metadata: IMSMetadata?) -> (value: String, given: String)? {
        guard let metadata else { return nil }
        guard let firmware = metadata.firmwareType else { return ("bios", "absent (bios)") }
        return (firmware.lowercased(), firmware)
    }

    /// The fields that say the image is for ARM: `__support_arm` true, or `architecture`
    /// `aarch64`/`arm64`. Empty for an x86 image.
    static func armEvidence(_ metadata: IMSMetadata) -> [(String, String)] {
        var evidence: [(String, String)] = []
        if let arm = metadata.supportARMValue, MetadataText.isTrue(arm) {
            evidence.append(("__support_arm", Describe.raw(metadata, "__support_arm")))
        }
        if case let .string(architecture)? = metadata.architectureValue,
           ["aarch64", "arm64"].contains(architecture.lowercased()) {
            evidence.append(("architecture", architecture))
        }
        return evidence
    }

    /// KG115: `hw_firmware_type` (absent meaning bios) names a firmware the guest disk cannot
    /// boot with, or an ARM image is not uefi (ARM images boot only with UEFI).
    public static let firmwareMismatch: Rule = Rule(.firmwareMismatch) { rule, input in
        guard let metadata = input.imageCase.metadata, let firmware = declaredFirmware(metadata) else { return [] }
        let name = input.imageCase.fileName
        var findings: [Finding] = []
        let arm = armEvidence(metadata)
        if !arm.isEmpty, firmware.value != "uefi" {
            findings.append(Finding(rule, message: "\(name) is an ARM image, which boots only with UEFI, but hw_firmware_type is \(firmware.given).",
                                    evidence: [("hw_firmware_type", firmware.given)] + arm))
        }
        if let guest = input.imageCase.guest {
            let mismatch: Bool
            switch firmware.value {
            case "uefi": mismatch = guest.boot == .bios
            case "bios": mismatch = guest.boot == .uefi
            default: mismatch = false
            }
            if mismatch {
                findings.append(Finding(rule,
                    message: "hw_firmware_type is \(firmware.given) but \(name) boots with \(guest.boot == .bios ? "BIOS" : "UEFI") only.",
                    evidence: [("hw_firmware_type", firmware.given), ("guest boot", guest.boot.rawValue),
                               ("seen on the disk", guest.bootEvidence)]))
            }
        }
        return findings
    }

    /// KG117: a note on every eligible private image that releasing it locks it. Silent on an
    /// image known only by its ID (KG122): nothing about it was judged.
    public static let releaseLocksImage: Rule = Rule(.releaseLocksImage) { rule, input in
        if Rules.isKnownOnlyByID(input.imageCase) { return [] }
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

/// Reading the metadata fields IMS writes loosely (a JSON boolean, or `"true"`/`"True"`).
enum MetadataText {
    /// Whether `value` is true: the boolean, or the string `true` in any case.
    static func isTrue(_ value: JSONValue) -> Bool {
        switch value {
        case let .bool(b): return b
        case let .string(s): return s.lowercased() == "true"
        default: return false
        }
    }
}
