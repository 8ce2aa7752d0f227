import DiskImage

/// What asking IMS for an account's images in several regions gave: the images found (all of
/// them, or those with the IDs asked for), the project ID each region answered for (the seller's
/// project there: an image owned by another project is shared), the regions where the account
/// has no project, and the regions that failed. Plain values, so commands can judge, report and
/// pass the project on without knowing HTTP.
public struct IMSImageSearch: Sendable {
    /// One image as IMS gave it, with where it was found.
    public struct Found: Sendable {
        /// The region ID the image lives in.
        public var region: String
        /// The project IMS answered for in that region (the seller's project there).
        public var projectID: String
        /// The image object of `GET /v2/cloudimages`, as IMS wrote it.
        public var image: JSONValue
        /// The image's `id`.
        public var id: String
    }

    /// The images found, region by region in the order asked, each region's in IMS's order.
    public var images: [Found] = []
    /// The project ID of each region that answered, by region ID.
    public var projects: [String: String] = [:]
    /// Regions where IAM lists no project of the account (not enabled): they hold no images.
    public var regionsWithoutProject: [String] = []
    /// Regions that could not be listed, in the order asked, with why.
    public var failures: [(region: String, error: CloudAPIError)] = []

    public init() {}

    /// The image with ID `id`, when found.
    public func image(id: String) -> Found? {
        images.first { $0.id == id }
    }

    /// The regions asked whose answer is complete: those that answered and those with no project.
    public var answeredRegions: [String] {
        Array(projects.keys).sorted() + regionsWithoutProject
    }
}

extension IMSClient {
    /// The images of `regions` (asked concurrently, bounded, as `images(regions:filter:)`): all of
    /// them when `imageIDs` is nil, else only those whose `id` is one of `imageIDs`. One ID is
    /// asked with IMS's `id` filter (one short page per region); several are picked out of each
    /// region's whole list, which costs fewer requests than one filtered listing per ID. A
    /// region where the account has no project is listed in `regionsWithoutProject`, not as a
    /// failure, unless `strictRegions` (the seller named the region, so it must answer).
    public func search(regions: [String], imageIDs: [String]? = nil, strictRegions: Bool = false) async -> IMSImageSearch {
        var wanted: Set<String>?
        var filter = Filter()
        if let imageIDs {
            wanted = Set(imageIDs)
            if imageIDs.count == 1 { filter.imageID = imageIDs[0] }
        }
        var search = IMSImageSearch()
        if wanted?.isEmpty == true { return search }
        for region in await images(regions: regions, filter: filter) {
            switch region.result {
            case let .success(images):
                if let projectID = region.projectID { search.projects[region.region] = projectID }
                for image in images {
                    guard let id = image["id"]?.stringValue, wanted.map({ $0.contains(id) }) ?? true else { continue }
                    search.images.append(IMSImageSearch.Found(region: region.region, projectID: region.projectID ?? "",
                                                              image: image, id: id))
                }
            case let .failure(error) where error.kind == .noProject && !strictRegions:
                search.regionsWithoutProject.append(region.region)
            case let .failure(error):
                search.failures.append((region.region, error))
            }
        }
        return search
    }
}
