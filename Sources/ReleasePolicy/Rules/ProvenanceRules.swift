import DiskImage
import Findings
import ImagePackage

/// KG103, KG105, KG106, KG107, KG120: where the image came from decides whether it may be sold.
extension Rules {
    /// KG103: a shared image, or one owned by another project, cannot be released (IMS IMG.0052).
    /// The remedy depends on whose it is: owned by the seller's project (`--owner`, or the
    /// project IMS answered for), the seller shared it out and can remove its share members;
    /// owned by another project, the seller must build their own from a public image.
    public static let sharedImage: Rule = Rule(.sharedImage) { rule, input in
        guard let metadata = input.imageCase.metadata else { return [] }
        var evidence: [(String, String)] = []
        if let type = metadata.imageType, type.equalsIgnoringCase("shared") { evidence.append(("__imagetype", type)) }
        if let visibility = metadata.visibility, visibility.equalsIgnoringCase("shared") { evidence.append(("visibility", visibility)) }
        let seller = input.imageCase.sellerOwner.flatMap { $0.isEmpty ? nil : $0 }
        let owner = metadata.owner
        if let seller, let owner, owner != seller {
            evidence.append(("owner", owner))
            evidence.append(("--owner", seller))
        }
        guard !evidence.isEmpty else { return [] }
        let name = input.imageCase.fileName
        if let seller, let owner, owner == seller {
            evidence.append(("owner", owner))
            evidence.append(("--owner", seller))
            return [Finding(ruleID: rule.id, severity: rule.severity,
                            message: "\(name) is the seller's own image, shared out to other projects.",
                            evidence: evidence, remedy: sharedBySellerRemedy)]
        }
        let message = owner == nil || seller == nil
            ? "\(name) is a shared image."
            : "\(name) is a shared image owned by another project."
        return [Finding(ruleID: rule.id, severity: rule.severity, message: message,
                        evidence: evidence, remedy: sharedWithSellerRemedy)]
    }

    /// KG103's remedy for an image the seller owns and shared out.
    public static let sharedBySellerRemedy = "Remove the image's share members (IMS: delete image members); it stays your own image, with no need to rebuild it."
    /// KG103's remedy for an image owned by another project (or whose owner is not known).
    public static let sharedWithSellerRemedy = "Build an ECS from a public image in your own account and make a private image from it."

    /// KG105: a released image is locked: it can no longer be released again (IMS IMG.0049).
    public static let releasedImage: Rule = Rule(.releasedImage) { rule, input in
        guard let metadata = input.imageCase.metadata else { return [] }
        let released = input.imageCase.releasedIDs
        var evidence: [(String, String)] = []
        if let id = metadata.id, released.contains(id) { evidence.append(("id", id)) }
        if metadata.released == true { evidence.append(("released", Describe.raw(metadata, "released"))) }
        if Classification.isPrivate(metadata), let code = metadata.productCode, released.contains(code) {
            evidence.append(("__productcode", code))
        }
        if !evidence.isEmpty, metadata.protected == true { evidence.append(("protected", "true")) }
        return rule.finding("\(input.imageCase.fileName) was already released; a released image is locked and cannot be released again.", evidence)
    }

    /// KG106: an image made from a KooGallery (market) image cannot be resold (IMS IMG.0043).
    public static let marketDerived: Rule = Rule(.marketDerived) { rule, input in
        guard let metadata = input.imageCase.metadata, !Classification.isReleased(input.imageCase) else { return [] }
        var evidence: [(String, String)] = []
        if let code = metadata.productCode { evidence.append(("__productcode", code)) }
        if let type = metadata.imageType, type.equalsIgnoringCase("market") { evidence.append(("__imagetype", type)) }
        if let parent = metadata.originalImageName, input.imageCase.releasedIDs.contains(parent) {
            evidence.append(("__originalimagename", parent))
        }
        return rule.finding("\(input.imageCase.fileName) was made from a KooGallery market image.", evidence)
    }

    /// KG107: an image imported from an external file cannot be released: KooGallery images must
    /// come from an ECS built on a public image.
    public static let externalOrigin: Rule = Rule(.externalOrigin) { rule, input in
        guard let metadata = input.imageCase.metadata else { return [] }
        var evidence: [(String, String)] = []
        if let root = metadata.rootOrigin, root.equalsIgnoringCase("file") { evidence.append(("__root_origin", root)) }
        if let origin = metadata.dataOrigin, origin.equalsIgnoringCase("file") || origin.hasPrefixIgnoringCase("file,") {
            evidence.append(("__data_origin", origin))
        }
        return rule.finding("\(input.imageCase.fileName) was imported from an external image file, not made from an ECS built on a public image.", evidence)
    }

    /// KG120: IMS marks the image as not publishable to KooGallery.
    public static let marketNotSupported: Rule = Rule(.marketNotSupported) { rule, input in
        guard let metadata = input.imageCase.metadata, metadata.supportMarket == false else { return [] }
        return rule.finding(
            "IMS marks \(input.imageCase.fileName) as not publishable to KooGallery.",
            [("__system_support_market", Describe.raw(metadata, "__system_support_market"))])
    }
}
