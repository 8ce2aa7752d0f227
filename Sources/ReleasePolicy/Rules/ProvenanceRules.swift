import DiskImage
import ImagePackage

/// KG103, KG105, KG106, KG107, KG120: where the image came from decides whether it may be sold.
extension Rules {
    /// KG103: a shared image, or one owned by another project, cannot be released (IMS IMG.0052).
    public static let sharedImage: Rule = Rule(RuleDefinition(
        id: "KG103", name: "shared-image", severity: .error,
        summary: "Shared images cannot be released.",
        detail: "Fires when __imagetype or visibility is shared, or the image's owner is not the seller's project (--owner).",
        remedy: "Build an ECS from a public image in your own account and make a private image from it.")) { rule, input in
        guard let metadata = input.imageCase.metadata else { return [] }
        var evidence: [(String, String)] = []
        if let type = metadata.imageType, type.lowercased() == "shared" { evidence.append(("__imagetype", type)) }
        if let visibility = metadata.visibility, visibility.lowercased() == "shared" { evidence.append(("visibility", visibility)) }
        if let seller = input.imageCase.sellerOwner, !seller.isEmpty, let owner = metadata.owner, owner != seller {
            evidence.append(("owner", owner))
            evidence.append(("--owner", seller))
        }
        return rule.finding("\(input.imageCase.fileName) is a shared image or belongs to another project.", evidence)
    }

    /// KG105: a released image is locked: it can no longer be released again (IMS IMG.0049).
    public static let releasedImage: Rule = Rule(RuleDefinition(
        id: "KG105", name: "released-image", severity: .error,
        summary: "The image was already released and is locked.",
        detail: "Fires when the release register lists the image ID, the sidecar says released: true, or a private image carries a product code whose ID was released.",
        remedy: "Buy it back from KooGallery, or release another image.")) { rule, input in
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
    public static let marketDerived: Rule = Rule(RuleDefinition(
        id: "KG106", name: "market-derived", severity: .error,
        summary: "The image was made from a KooGallery market image.",
        detail: "Fires when an image that is not itself released carries a __productcode, is of __imagetype market, or has a parent image (__originalimagename) that was released.",
        remedy: "Rebuild from a public image.")) { rule, input in
        guard let metadata = input.imageCase.metadata, !Classification.isReleased(input.imageCase) else { return [] }
        var evidence: [(String, String)] = []
        if let code = metadata.productCode { evidence.append(("__productcode", code)) }
        if let type = metadata.imageType, type.lowercased() == "market" { evidence.append(("__imagetype", type)) }
        if let parent = metadata.originalImageName, input.imageCase.releasedIDs.contains(parent) {
            evidence.append(("__originalimagename", parent))
        }
        return rule.finding("\(input.imageCase.fileName) was made from a KooGallery market image.", evidence)
    }

    /// KG107: an image imported from an external file cannot be released: KooGallery images must
    /// come from an ECS built on a public image.
    public static let externalOrigin: Rule = Rule(RuleDefinition(
        id: "KG107", name: "external-origin", severity: .error,
        summary: "The image was made from an external image file.",
        detail: "Fires when __root_origin is file or __data_origin is file,<url>.",
        remedy: "Rebuild from a public image.")) { rule, input in
        guard let metadata = input.imageCase.metadata else { return [] }
        var evidence: [(String, String)] = []
        if let root = metadata.rootOrigin, root.lowercased() == "file" { evidence.append(("__root_origin", root)) }
        if let origin = metadata.dataOrigin, origin.lowercased() == "file" || origin.lowercased().hasPrefix("file,") {
            evidence.append(("__data_origin", origin))
        }
        return rule.finding("\(input.imageCase.fileName) was imported from an external image file, not made from an ECS built on a public image.", evidence)
    }

    /// KG120: IMS marks the image as not publishable to KooGallery.
    public static let marketNotSupported: Rule = Rule(RuleDefinition(
        id: "KG120", name: "market-not-supported", severity: .error,
        summary: "IMS does not allow this image to be published to KooGallery.",
        detail: "Fires when __system_support_market is false.",
        remedy: "Make a new private image from an ECS built on a public image that supports KooGallery.")) { rule, input in
        guard let metadata = input.imageCase.metadata, metadata.supportMarket == false else { return [] }
        return rule.finding(
            "IMS marks \(input.imageCase.fileName) as not publishable to KooGallery.",
            [("__system_support_market", Describe.raw(metadata, "__system_support_market"))])
    }
}
