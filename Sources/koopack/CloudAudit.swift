import CloudAPI
import DiskImage
import ImagePackage
import ReleasePolicy

/// `audit --cloud`: the seller's whole account read from IMS, region by region.
enum CloudAudit {
    /// Adds every image of each region (`--region`s, else every allowed region) to `account`,
    /// and returns the project ID IMS answered for in each region: the seller's project there,
    /// so no `--owner` is needed. A region that fails is diagnosed and sets `failed`; the others
    /// still count. A region the account has no project in holds no images (a note when
    /// `verbose`); one the seller named must answer.
    static func add(to account: inout ImageAccount, regions given: [String], profile: PolicyProfile,
                    cloud: CloudLookupOptions, failed: inout Bool) async -> [String: String] {
        let client: IMSClient
        do { client = try cloud.connection.imsClient() } catch {
            Terminal.diagnose("\(error)")
            failed = true
            return [:]
        }
        let (regions, named) = CloudLookupOptions.regions(given, profile: profile)
        let search = await client.search(regions: regions, strictRegions: named)
        if CloudLookupOptions.diagnose(search) { failed = true }
        if cloud.connection.verbose {
            for region in search.regionsWithoutProject { Terminal.diagnose("region \(region): the account has no project there; no images") }
        }
        for found in search.images {
            let source = "IMS \(found.region)"
            do {
                let metadata = try IMSMetadataOverlay.metadata(imsImage: found.image, region: found.region, source: source)
                try account.add(image: metadata, region: found.region, source: source)
            } catch {
                Terminal.diagnose("\(source): image \(found.id): \(error)")
                failed = true
            }
        }
        return search.projects
    }
}
