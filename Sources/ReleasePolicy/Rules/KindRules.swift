import DiskImage
import Findings
import ImagePackage

/// KG101, KG102, KG119: KooGallery releases ECS system disk images only, made from the ECS itself.
extension Rules {
    /// KG101: a full-ECS image (system disk plus data disks) cannot be released (IMS IMG.0129/0131).
    public static let fullECSImage: Rule = Rule(.fullECSImage) { rule, input in
        var evidence: [(String, String)] = []
        if let metadata = input.imageCase.metadata {
            if metadata.wholeImage == true { evidence.append(("__whole_image", Describe.raw(metadata, "__whole_image"))) }
            if let backup = metadata.backupID, metadata.wholeImage != false { evidence.append(("__backup_id", backup)) }
        }
        if input.imageCase.dataDiskCount > 0 {
            evidence.append(("data disks in package", String(input.imageCase.dataDiskCount)))
        }
        return rule.finding(
            "\(input.imageCase.fileName) is a full-ECS image; KooGallery releases system disk images only.", evidence)
    }

    /// KG102: only an ECS system disk image (FusionCompute) with a bootable disk can be released.
    public static let notSystemDisk: Rule = Rule(.notSystemDisk) { rule, input in
        var evidence: [(String, String)] = []
        if let env = input.imageCase.metadata?.virtualEnvType, !env.equalsIgnoringCase("fusioncompute") {
            evidence.append(("virtual_env_type", env))
        }
        if let format = input.imageCase.info?.format, format.equalsIgnoringCase("iso") {
            evidence.append(("format", format))
        } else if let diskFormat = input.imageCase.metadata?.diskFormat, diskFormat.equalsIgnoringCase("iso") {
            evidence.append(("disk_format", diskFormat))
        }
        if let guest = input.imageCase.guest, guest.partitionTable == .none, !guest.hasFilesystem {
            evidence.append(("partition table", "none"))
            evidence.append(("filesystem", "none"))
        }
        let what: String
        switch input.classification.kind {
        case .dataDisk: what = "a data disk image"
        case .iso: what = "an ISO image"
        case .bareMetal: what = "a bare metal image"
        default: what = evidence.contains { $0.0 == "partition table" } ? "a disk with no partition table and no filesystem" : "not an ECS system disk image"
        }
        return rule.finding("\(input.imageCase.fileName) is \(what); KooGallery releases ECS system disk images only.", evidence)
    }

    /// KG119: a system disk image made from a CSBS/CBR backup cannot be released (IMS IMG.0051).
    public static let backupOrigin: Rule = Rule(.backupOrigin) { rule, input in
        guard input.classification.kind != .fullECS, let metadata = input.imageCase.metadata else { return [] }
        var evidence: [(String, String)] = []
        if let backup = metadata.backupID { evidence.append(("__backup_id", backup)) }
        if let origin = metadata.dataOrigin, origin.hasPrefixIgnoringCase("server_backup") {
            evidence.append(("__data_origin", origin))
        }
        return rule.finding(
            "\(input.imageCase.fileName) was made from a cloud server backup; images from CSBS/CBR backups cannot be released.", evidence)
    }
}
