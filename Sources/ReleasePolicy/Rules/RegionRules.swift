import DiskImage
import ImagePackage

/// KG110, KG111: images may come only from the regions KooGallery lists.
extension Rules {
    /// KG110: a region the image lives in, or the product lists, is not allowed.
    public static let regionNotAllowed: Rule = Rule(RuleDefinition(
        id: "KG110", name: "region-not-allowed", severity: .error,
        summary: "The image's region is not one KooGallery accepts images from.",
        detail: "Fires for each region named by --region (else the sidecar's region) or the release file that is not in the profile's allowed regions (by default AF-Johannesburg, AP-Bangkok, AP-Singapore, CN-Hong Kong, LA-Mexico City1, LA-Mexico City2, LA-Santiago, LA-Sao Paulo1).",
        remedy: "Copy the image to an allowed region.")) { rule, input in
        let allowed = Set(input.profile.allowedRegions)
        return Classification.namedRegions(of: input.imageCase).filter { !allowed.contains($0.id) }.map { region in
            Finding(rule,
                    message: "Region \(region.id) (from \(region.source.rawValue)) is not one KooGallery accepts images from.",
                    evidence: [(region.source.rawValue, region.given)])
        }
    }

    /// KG111: nothing says which region the image lives in, so KG110 cannot judge it.
    public static let regionUnknown: Rule = Rule(RuleDefinition(
        id: "KG111", name: "region-unknown", severity: .warning,
        summary: "No region is known for the image.",
        detail: "Fires when no region comes from the metadata sidecar, the release file or --region.",
        remedy: "Pass --region, or add \"region\" to the metadata sidecar.")) { rule, input in
        guard Classification.namedRegions(of: input.imageCase).isEmpty else { return [] }
        return [Finding(rule,
                        message: "No region is known for \(input.imageCase.fileName); it must live in a region KooGallery accepts.",
                        evidence: [("region", "none")])]
    }
}
