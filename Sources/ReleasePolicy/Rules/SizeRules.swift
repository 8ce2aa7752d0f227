import DiskImage
import Findings
import ImagePackage

/// KG108, KG109, KG116, KG121: IMS imports files of up to 128 GB, and a system disk is 40 to
/// 1,024 GB.
///
/// *Assumed*: IMS's "GB" for disks (`min_disk`, the 40–1,024 range) is GiB, as EVS disk sizes
/// are: a 40 GB system disk holds exactly 40 × 2³⁰ bytes.
extension Rules {
    /// Bytes in one GB of disk size (GiB; see above).
    static let bytesPerDiskGB: UInt64 = 1 << 30

    /// The size the size rules judge: the larger of the package's files and the metadata's
    /// `__image_size` when both are known (KooGallery copies the IMS image itself, not the
    /// exported file, so a compressed export under the limit does not clear an image over it),
    /// else whichever is known; nil when neither is. The evidence names both when both are known.
    static func packageSize(_ imageCase: ImageCase) -> (bytes: UInt64, evidence: () -> [(String, String)])? {
        let local = imageCase.packageBytes > 0 ? imageCase.packageBytes : nil
        let ims = imageCase.metadata?.imageSize.flatMap { $0 > 0 ? $0 : nil }
        let bytes = max(local ?? 0, ims ?? 0)
        guard bytes > 0 else { return nil }
        // Made only when a rule fires: most images of an account are well under the limits.
        let evidence = {
            var evidence: [(String, String)] = []
            if let local { evidence.append(("package bytes", String(local))) }
            if let ims { evidence.append(("__image_size", String(ims))) }
            return evidence
        }
        return (bytes, evidence)
    }

    /// `gb` GB of disk in bytes, saturating (a metadata value cannot overflow the comparison).
    static func diskBytes(gb: UInt64) -> UInt64 {
        let (bytes, overflow) = gb.multipliedReportingOverflow(by: bytesPerDiskGB)
        return overflow ? UInt64.max : bytes
    }

    /// KG108: the image (its files, or IMS's `__image_size`, whichever is larger) is more than
    /// IMS imports (128 GiB).
    public static let packageTooLarge: Rule = Rule(.packageTooLarge) { rule, input in
        guard let size = packageSize(input.imageCase), size.bytes > input.profile.maxPackageBytes else { return [] }
        return rule.finding(
            "\(input.imageCase.fileName) is \(NumberText.bytes(size.bytes)), more than the limit of \(NumberText.bytes(input.profile.maxPackageBytes)).",
            size.evidence() + [("limit", String(input.profile.maxPackageBytes))])
    }

    /// KG109: over 128 GB but not over 128 GiB. *Assumed*: the 128 GB limit could be decimal.
    public static let packageNearLimit: Rule = Rule(.packageNearLimit) { rule, input in
        guard let size = packageSize(input.imageCase),
              size.bytes > input.profile.nearLimitBytes, size.bytes <= input.profile.maxPackageBytes else { return [] }
        return rule.finding(
            "\(input.imageCase.fileName) is \(NumberText.bytes(size.bytes)), more than \(NumberText.bytes(input.profile.nearLimitBytes)); it passes only if IMS's 128 GB limit is binary.",
            size.evidence() + [("near limit", String(input.profile.nearLimitBytes))])
    }

    /// The disk size KG116 and KG121 judge, and the evidence name that says which it is: the
    /// original size where the format records one (a ZVHD or ZVHD2 export, whose virtual size is
    /// that rounded up to whole GiB), else the virtual size.
    ///
    /// *Assumed*: IMS sees the disk the seller made, not the driver's rounded-up size.
    static func judgedDiskSize(_ info: ImageInfo) -> (bytes: UInt64, name: String) {
        if let original = info.originalSize { return (original, "original-size") }
        return (info.virtualSize, "virtual-size")
    }

    /// KG116: `min_disk` is smaller than the disk the image holds.
    public static let minDiskTooSmall: Rule = Rule(.minDiskTooSmall) { rule, input in
        guard let minDisk = input.imageCase.metadata?.minDisk, let info = input.imageCase.info else { return [] }
        let disk = judgedDiskSize(info)
        guard diskBytes(gb: minDisk) < disk.bytes else { return [] }
        return rule.finding(
            "min_disk is \(minDisk) GB but \(input.imageCase.fileName) holds a disk of \(NumberText.bytes(disk.bytes)) (its \(disk.name)).",
            [("min_disk", String(minDisk)), (disk.name, String(disk.bytes))])
    }

    /// KG121: a system disk must be 40 to 1,024 GB.
    public static let diskSizeOutOfRange: Rule = Rule(.diskSizeOutOfRange) { rule, input in
        let profile = input.profile
        var evidence: [(String, String)] = []
        var problems: [String] = []
        if let info = input.imageCase.info, case let disk = judgedDiskSize(info), disk.bytes > diskBytes(gb: profile.maxSystemDiskGB) {
            evidence.append((disk.name, String(disk.bytes)))
            problems.append("the \(disk.name) \(NumberText.bytes(disk.bytes)) is over \(profile.maxSystemDiskGB) GB")
        }
        if let minDisk = input.imageCase.metadata?.minDisk,
           minDisk < profile.minSystemDiskGB || minDisk > profile.maxSystemDiskGB {
            evidence.append(("min_disk", String(minDisk)))
            problems.append("min_disk \(minDisk) is outside \(profile.minSystemDiskGB)–\(profile.maxSystemDiskGB) GB")
        }
        return rule.finding(
            "\(input.imageCase.fileName): " + problems.joined(separator: "; ") + ".", evidence)
    }
}
