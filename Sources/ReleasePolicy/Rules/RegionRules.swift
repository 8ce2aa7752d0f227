import DiskImage
import Findings
import ImagePackage

/// KG110, KG111: images may come only from the regions KooGallery lists.
extension Rules {
    /// KG110: a region the image lives in, or the product lists, is not allowed.
    public static let regionNotAllowed: Rule = Rule(.regionNotAllowed) { rule, input in
        let allowed = input.profile.allowedRegions
        return input.classification.regions.filter { !allowed.contains($0.id) }.map { region in
            Finding(rule,
                    message: "Region \(region.id) (from \(region.source.rawValue)) is not one KooGallery accepts images from.",
                    evidence: [(region.source.rawValue, region.given)])
        }
    }

    /// KG111: nothing says which region the image lives in, so KG110 cannot judge it.
    public static let regionUnknown: Rule = Rule(.regionUnknown) { rule, input in
        guard input.classification.regions.isEmpty else { return [] }
        return [Finding(rule,
                        message: "No region is known for \(input.imageCase.fileName); it must live in a region KooGallery accepts.",
                        evidence: [("region", "none")])]
    }
}
