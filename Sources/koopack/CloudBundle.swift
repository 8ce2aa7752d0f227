import CloudAPI
import DiskImage
import ImagePackage
import ReleaseBundle
import ReleasePolicy

/// `bundle --cloud`: the release's images named by IMS ID are judged from IMS's own metadata.
enum CloudBundle {
    /// An image IMS gave, with the project it answered for in the image's region.
    struct Image: Sendable {
        var metadata: IMSMetadata
        var projectID: String?
    }

    /// Judges `release` as `ReleaseReview.run` does, the images named by ID looked up in IMS
    /// first: in the `--region`s given, else in the regions their specifications list, else
    /// every allowed region. An image IMS does not have, a region that fails or missing
    /// credentials are unreadable inputs (nothing is bundled, exit 2).
    static func review(_ release: Release, seller: SellerOptions, cloud: CloudLookupOptions,
                       profile: PolicyProfile) async -> ReleaseReview {
        var ids: [String] = []
        var specRegions: [String] = []
        for spec in release.specifications {
            if case let .imsID(id) = spec.image.source {
                ids.append(id)
                specRegions += spec.regions
            }
        }
        var problems: [String] = []
        var found: [String: Image] = [:]
        if !ids.isEmpty {
            do {
                let client = try cloud.connection.imsClient()
                let (regions, named) = CloudLookupOptions.regions(seller.regions.isEmpty ? specRegions : seller.regions, profile: profile)
                let search = await client.search(regions: regions, imageIDs: ids, strictRegions: named && !seller.regions.isEmpty)
                problems += search.failures.map { "region \($0.region): \($0.error)" }
                let answered = search.answeredRegions.joined(separator: ", ")
                for id in ids {
                    guard let image = search.image(id: id) else {
                        if !answered.isEmpty {
                            problems.append("\(release.file): image \(id) is in none of the regions that answered (\(answered))")
                        }
                        continue
                    }
                    let metadata = try IMSMetadataOverlay.metadata(imsImage: image.image, region: image.region, source: "IMS \(image.region)")
                    found[id] = Image(metadata: metadata, projectID: image.projectID.isEmpty ? nil : image.projectID)
                }
            } catch {
                problems.append("\(error)")
            }
        }
        var review = await ReleaseReview.run(release, region: seller.region, owner: seller.owner, profile: profile, imsImages: found)
        review.unreadable = problems + review.unreadable
        return review
    }
}
