import DiskImage

/// The IMS image list of a Huawei Cloud account, read through the API and signed with AK/SK:
/// the project ID of each region from IAM (`GET /v3/projects?name=REGION`, unless the
/// credentials name one), then every page of `GET /v2/cloudimages`, several regions at once.
public struct IMSClient: Sendable {
    public let credentials: Credentials
    public let endpoints: Endpoints
    public let http: HTTPClient
    /// Images asked for per page (`limit`).
    public var pageSize = 500
    /// Regions asked at once at most.
    public var maximumConcurrentRegions = 4
    /// Pages read for one region at most: a server that never stops paging is an error.
    public var maximumPages = 1_000
    /// Images accepted for one region at most (as many as one metadata document may hold).
    public var maximumImages = 100_000

    public init(credentials: Credentials, endpoints: Endpoints, http: HTTPClient) {
        self.credentials = credentials
        self.endpoints = endpoints
        self.http = http
    }

    /// The `__imagetype` values IMS filters on.
    public enum ImageType: String, Sendable, CaseIterable {
        case `private`, shared, market, gold
    }

    /// Which images to list: all, one by ID, or those of one type (each saves pages).
    public struct Filter: Sendable, Equatable {
        public var imageID: String?
        public var imageType: ImageType?

        public init(imageID: String? = nil, imageType: ImageType? = nil) {
            self.imageID = imageID
            self.imageType = imageType
        }
    }

    /// One region's images, or why they could not be listed.
    public struct RegionImages: Sendable {
        public var region: String
        public var projectID: String?
        public var result: Result<[JSONValue], CloudAPIError>
    }

    /// The project ID of `region`: the credentials' `HUAWEICLOUD_SDK_PROJECT_ID` when set (it is
    /// then used for every region), else IAM's project named after the region.
    public func projectID(region: String) async throws -> String {
        if let projectID = credentials.projectID { return projectID }
        return try await onOwnThread { try fetchProjectID(region: region) }
    }

    /// Every image of `region` that `filter` selects, all pages read.
    public func images(region: String, filter: Filter = Filter()) async throws -> [JSONValue] {
        let projectID = try await projectID(region: region)
        return try await onOwnThread { try fetchImages(region: region, projectID: projectID, filter: filter) }
    }

    /// The images of each region, asked at most `maximumConcurrentRegions` at once, in the order
    /// of `regions`. A region that fails does not stop the others.
    public func images(regions: [String], filter: Filter = Filter()) async -> [RegionImages] {
        await withTaskGroup(of: (Int, RegionImages).self) { group in
            var next = 0
            func start() {
                let index = next
                let region = regions[index]
                next += 1
                group.addTask {
                    var outcome = RegionImages(region: region, projectID: nil, result: .success([]))
                    do {
                        let projectID = try await projectID(region: region)
                        outcome.projectID = projectID
                        outcome.result = .success(try await onOwnThread {
                            try fetchImages(region: region, projectID: projectID, filter: filter)
                        })
                    } catch let error as CloudAPIError {
                        outcome.result = .failure(error)
                    } catch {
                        outcome.result = .failure(CloudAPIError(.transport, "\(error)"))
                    }
                    return (index, outcome)
                }
            }
            while next < min(regions.count, max(1, maximumConcurrentRegions)) { start() }
            var results = [RegionImages?](repeating: nil, count: regions.count)
            for await (index, outcome) in group {
                results[index] = outcome
                if next < regions.count { start() }
            }
            return results.compactMap { $0 }
        }
    }

    /// The IMS list response `{"images": [...]}` of the regions that answered, in order, each
    /// image given koopack's sidecar key `region` (IMS's objects do not say where they live)
    /// unless it has one: the shape `check`, `audit` and sidecar files read.
    public static func listResponse(_ regions: [RegionImages]) -> JSONValue {
        var merged: [JSONValue] = []
        for region in regions {
            guard case let .success(images) = region.result else { continue }
            for image in images {
                guard case var .object(members) = image else { merged.append(image); continue }
                if !members.contains(where: { $0.0 == "region" }) { members.append(("region", .string(region.region))) }
                merged.append(.object(members))
            }
        }
        return .object([("images", .array(merged))])
    }

    // MARK: - The calls, blocking

    func fetchProjectID(region: String) throws -> String {
        let url = try endpoints.url(service: "iam", region: region, path: "/v3/projects").replacingQuery(items: [("name", region)])
        let document = try getJSON(url, headers: [], what: "asking IAM for the project of region \(region)")
        guard case let .array(projects)? = document.value["projects"] else {
            throw document.problem("IAM's answer has no \"projects\" list")
        }
        for project in projects where project["name"]?.stringValue == region {
            if let id = project["id"]?.stringValue, !id.isEmpty { return id }
        }
        var error = document.problem("IAM lists no project named \(region) for this account: is the region enabled?")
        error.kind = .noProject
        throw error
    }

    func fetchImages(region: String, projectID: String, filter: Filter) throws -> [JSONValue] {
        let base = try endpoints.url(service: "ims", region: region, path: "/v2/cloudimages")
        var images: [JSONValue] = []
        var marker: String?
        var markers = Set<String>()
        for _ in 0..<maximumPages {
            var items: [(String, String)] = [("limit", String(pageSize))]
            if let type = filter.imageType { items.append(("__imagetype", type.rawValue)) }
            if let id = filter.imageID { items.append(("id", id)) }
            if let marker { items.append(("marker", marker)) }
            let page = try getJSON(base.replacingQuery(items: items), headers: [HTTPHeader("X-Project-Id", projectID)],
                                   what: "listing the images of region \(region)")
            guard case let .array(pageImages)? = page.value["images"] else {
                throw page.problem("IMS's answer has no \"images\" list")
            }
            guard pageImages.allSatisfy({ if case .object = $0 { return true } else { return false } }) else {
                throw page.problem("IMS's \"images\" list holds something that is not an image object")
            }
            guard images.count + pageImages.count <= maximumImages else {
                throw page.problem("more than \(maximumImages) images in region \(region): koopack stops there")
            }
            images += pageImages
            guard !pageImages.isEmpty, let next = Self.nextMarker(page.value, pageImages, pageSize: pageSize) else {
                return images
            }
            guard markers.insert(next).inserted else {
                throw page.problem("IMS gave the page marker \(next) a second time: stopping rather than reading the same pages again")
            }
            marker = next
        }
        throw CloudAPIError(.response, "IMS still had more pages after \(maximumPages) in region \(region): stopping", endpoint: base.description)
    }

    /// The marker of the next page: the one in the answer's `next` link when it gives one, else
    /// the last image's ID when the page was full; nil when this was the last page.
    static func nextMarker(_ page: JSONValue, _ images: [JSONValue], pageSize: Int) -> String? {
        if let link = page["next"]?.stringValue, let mark = link.firstIndex(of: "?") {
            let query = HTTPURL(scheme: "https", host: "next", port: nil, path: "/", query: String(link[link.index(after: mark)...]))
            if let marker = query.queryItems.last(where: { $0.0 == "marker" })?.1, !marker.isEmpty { return marker }
        }
        guard images.count >= pageSize else { return nil }
        return images.last?["id"]?.stringValue
    }

    /// A JSON answer and where it came from, for errors about its content.
    struct Document {
        var value: JSONValue
        var response: HTTPResponse

        func problem(_ message: String) -> CloudAPIError {
            CloudAPIError(.response, message, endpoint: response.url.description, method: "GET",
                          status: response.status, requestID: response.head.requestID)
        }
    }

    /// GETs `url` signed with the credentials, and parses the answer as JSON. Throws a
    /// `CloudAPIError` for an error status (with the API's code and message) or a body that is
    /// not JSON.
    func getJSON(_ url: HTTPURL, headers: [HTTPHeader], what: String) throws -> Document {
        let signer = AKSKSigner(credentials: credentials)
        let request = HTTPRequest(method: "GET", url: url, headers: headers + [HTTPHeader("Accept", "application/json")])
        let response = try http.send(request) { signer.sign($0, at: Int(HTTPDate.now())) }
        guard response.isSuccess else {
            var error = CloudAPIError.status(response, method: "GET", what: what)
            if response.attempts > 1 { error.message += " (after \(response.attempts) tries)" }
            throw error
        }
        do {
            let value = try JSONParser.parse(response.body, maximumInputBytes: http.configuration.maximumBodyBytes)
            return Document(value: value, response: response)
        } catch let error as ImageError {
            throw Document(value: .null, response: response).problem("\(what): the answer is not valid JSON (\(response.body.count) bytes): \(error.message)")
        }
    }
}
