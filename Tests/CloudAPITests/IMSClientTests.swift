import CloudAPI
import DiskImage
import Foundation
import Synchronization
import Testing

/// The IMS client against the loopback stand-in of IAM and IMS, which checks every request's
/// signature with Huawei's own SDK and answers `401 APIGW.0301` when it does not match.
@Suite(.enabled(if: CloudTestData.sdkAvailable, "python3 with huaweicloudsdkcore is needed (make deps installs it)"))
struct IMSClientTests {
    /// What the verbose hook was told.
    final class Exchanges: Sendable {
        let list = Mutex<[HTTPExchange]>([])
        var all: [HTTPExchange] { list.withLock { $0 } }
    }

    static func server() throws -> LoopbackServer { try LoopbackServer.sharedIMS.get() }

    static func client(secret: String = CloudTestData.secretKey, token: String? = nil, projectID: String? = nil,
                       trustTestCA: Bool = true, exchanges: Exchanges? = nil, server: LoopbackServer? = nil,
                       configure: (inout HTTPConfiguration) -> Void = { _ in }) throws -> IMSClient {
        var configuration = HTTPConfiguration()
        if trustTestCA { try configuration.addCertificates(file: TestCA.caFile) }
        configuration.backoffBase = 0.05
        configure(&configuration)
        let credentials = Credentials(accessKey: CloudTestData.accessKey, secretKey: secret, securityToken: token, projectID: projectID)
        var observer: (@Sendable (HTTPExchange) -> Void)?
        if let exchanges { observer = { exchange in exchanges.list.withLock { $0.append(exchange) } } }
        let http = HTTPClient(configuration: configuration, observer: observer)
        return IMSClient(credentials: credentials, endpoints: try Endpoints(template: try (server ?? Self.server()).template), http: http)
    }

    /// The account's images of `region` as account.json holds them.
    static func accountImages(_ region: String) -> [[String: Any]] {
        let regions = CloudTestData.account["regions"] as? [String: Any]
        return (regions?[region] as? [String: Any])?["images"] as? [[String: Any]] ?? []
    }

    static func ids(_ images: [JSONValue]) -> [String] { images.compactMap { $0["id"]?.stringValue } }

    /// The server's log lines for `region` and `service`, once at least `count` are in. Every
    /// request a failed listing made has been sent when the listing returns; the server logs each
    /// when it is done with it.
    static func requests(region: String, service: String = "ims", atLeast count: Int = 0) throws -> [[String: Any]] {
        try server().requests(atLeast: count) { $0["region"] as? String == region && $0["service"] as? String == service }
    }

    /// The single failure of listing `region`.
    static func failure(_ client: IMSClient, _ region: String) async -> CloudAPIError? {
        let results = await client.images(regions: [region])
        guard case let .failure(error)? = results.first?.result else { return nil }
        return error
    }

    @Test func threeRegionsGiveEveryImageOfEveryPageInOneListResponse() async throws {
        let regions = ["ap-southeast-3", "af-south-1", "la-south-2"]
        let server = try LoopbackServer.ims()
        let results = await (try Self.client(server: server)).images(regions: regions)
        #expect(results.map(\.region) == regions)
        for (region, result) in zip(regions, results) {
            let images = try result.result.get()
            #expect(Self.ids(images) == Self.accountImages(region).compactMap { $0["id"] as? String })
            #expect(result.projectID == (CloudTestData.account["regions"] as? [String: [String: Any]])?[region]?["project_id"] as? String)
        }
        let merged = IMSClient.listResponse(results)
        guard case let .array(images)? = merged["images"] else { Issue.record("no images list"); return }
        #expect(images.count == 16)
        #expect(images.allSatisfy { $0["region"]?.stringValue != nil })
        #expect(images.first?["region"]?.stringValue == "ap-southeast-3")
        let parsed = try JSONParser.parse(Array(merged.serialized().utf8), maximumInputBytes: 1 << 20)
        #expect(parsed == merged)
        // 9, 5 and 2 images in pages of at most 4: 3, 2 and 1 pages; one IAM call per region.
        let logged = server.requests(atLeast: 9) { _ in true }
        #expect(logged.filter { $0["service"] as? String == "ims" }.count == 6)
        #expect(logged.filter { $0["service"] as? String == "iam" }.count == 3)
        #expect(logged.allSatisfy { $0["status"] as? Int == 200 })
    }

    @Test func pagesFollowTheClientsLimitAndMarker() async throws {
        var client = try Self.client()
        client.pageSize = 2
        let images = try await client.images(region: "ap-southeast-3")
        #expect(Self.ids(images) == Self.accountImages("ap-southeast-3").compactMap { $0["id"] as? String })
    }

    @Test func filtersAreSentAndHonoured() async throws {
        let market = try await Self.client().images(region: "ap-southeast-3", filter: .init(imageType: .market))
        #expect(market.count == 1 && market.allSatisfy { $0["__imagetype"]?.stringValue == "market" })
        let wanted = try #require(Self.accountImages("af-south-1")[3]["id"] as? String)
        let one = try await Self.client().images(region: "af-south-1", filter: .init(imageID: wanted))
        #expect(Self.ids(one) == [wanted])
        let asked = try Self.server().requests(atLeast: 1) { ($0["query"] as? [[String]])?.contains(["id", wanted]) == true }
        #expect(asked.count == 1 && asked.first?["region"] as? String == "af-south-1")
    }

    @Test func aProjectIDFromTheEnvironmentSkipsIAM() async throws {
        let project = try #require((CloudTestData.account["regions"] as? [String: [String: Any]])?["la-south-2"]?["project_id"] as? String)
        let iamBefore = try Self.requests(region: "la-south-2", service: "iam").count
        let images = try await Self.client(projectID: project).images(region: "la-south-2")
        #expect(images.count == 2)
        #expect(try Self.requests(region: "la-south-2", service: "iam").count == iamBefore)
    }

    @Test func aWrongSecretKeyIsRefusedWithTheGatewaysCodeAndNeverShown() async throws {
        let exchanges = Exchanges()
        let secret = "kpWrongSecret-0000-not-the-accounts"
        let error = try #require(await Self.failure(try Self.client(secret: secret, exchanges: exchanges), "ap-southeast-3"))
        #expect(error.status == 401)
        #expect(error.errorCode == "APIGW.0301")
        #expect(error.requestID?.isEmpty == false)
        #expect(error.endpoint?.hasSuffix("/iam/ap-southeast-3/v3/projects") == true)
        #expect(error.description.contains("HUAWEICLOUD_SDK_SK"))
        #expect(exchanges.all.count == 1, "a 401 is not retried")
        for text in [error.description] + exchanges.all.map(\.summary) {
            #expect(!text.contains(secret) && !text.contains(CloudTestData.secretKey))
        }
    }

    @Test func expiredTemporaryCredentialsSayWhatToRenew() async throws {
        let error = try #require(await Self.failure(try Self.client(token: "expired-token"), "af-south-1"))
        #expect(error.status == 401 && error.errorCode == "APIGW.0307")
        #expect(error.description.contains("HUAWEICLOUD_SDK_SECURITY_TOKEN"))
        #expect(!error.description.contains("expired-token"))
    }

    @Test func tooManyRequestsIsRetriedAfterRetryAfter() async throws {
        let images = try await Self.client().images(region: "fault-429-retry")
        #expect(Self.ids(images) == ["img-fault-429-retry"])
        let tries = try Self.requests(region: "fault-429-retry", atLeast: 2)
        #expect(tries.map { $0["status"] as? Int } == [429, 200])
        let gap = (tries[1]["time"] as? Double ?? 0) - (tries[0]["time"] as? Double ?? 0)
        #expect(gap >= 0.9, "Retry-After: 1 was not waited for")
    }

    @Test func serviceUnavailableTwiceThenAnswerIsRetried() async throws {
        let images = try await Self.client().images(region: "fault-503-twice")
        #expect(images.count == 1)
        #expect(try Self.requests(region: "fault-503-twice", atLeast: 3).map { $0["status"] as? Int } == [503, 503, 200])
    }

    @Test func serviceUnavailableStopsAfterFourTries() async throws {
        let error = try #require(await Self.failure(try Self.client(), "fault-always503-x"))
        #expect(error.status == 503 && error.errorCode == "APIGW.0201")
        #expect(error.requestID != nil)
        #expect(error.description.contains("after 4 tries"))
        #expect(try Self.requests(region: "fault-always503-x", atLeast: 4).count == 4)
    }

    @Test func otherClientErrorsAreNotRetried() async throws {
        let error = try #require(await Self.failure(try Self.client(), "fault-notfound-x"))
        #expect(error.status == 404 && error.errorCode == "IMG.0027" && error.errorMessage == "The image does not exist")
        #expect(try Self.requests(region: "fault-notfound-x", atLeast: 1).count == 1)
    }

    @Test func aSlowDripEndsAtTheTimeoutWithoutRetry() async throws {
        // The project ID is given, so the one request that meets the 2 s timeout is the drip.
        let client = try Self.client(projectID: "p-drip") { $0.requestTimeout = 2 }
        let error = try #require(await Self.failure(client, "fault-drip-x"))
        #expect(error.kind == .transport)
        #expect(error.description.contains("no complete answer within 2 s"))
        #expect(error.endpoint?.hasSuffix("/ims/fault-drip-x/v2/cloudimages") == true, "\(error)")
        _ = try Self.requests(region: "fault-drip-x", atLeast: 1)
        try await Task.sleep(for: .seconds(1))
        #expect(try Self.requests(region: "fault-drip-x").count == 1, "a timeout after the answer began is not retried")
    }

    @Test func truncatedJSONIsAClearError() async throws {
        let error = try #require(await Self.failure(try Self.client(), "fault-truncated-x"))
        #expect(error.kind == .response && error.status == 200)
        #expect(error.description.contains("not valid JSON"))
        #expect(error.requestID != nil)
    }

    @Test func aBodyOverTheCapIsRefused() async throws {
        let error = try #require(await Self.failure(try Self.client { $0.maximumBodyBytes = 1 << 20 }, "fault-huge-x"))
        #expect(error.kind == .response)
        #expect(error.description.contains("passes the limit of 1048576 bytes"))
        #expect(error.requestID != nil && error.endpoint?.hasSuffix("/ims/fault-huge-x/v2/cloudimages") == true)
    }

    @Test func aRedirectToAnotherHostIsNotFollowed() async throws {
        let error = try #require(await Self.failure(try Self.client(), "fault-redirect-x"))
        #expect(error.kind == .redirect && error.description.contains("another host (localhost:"))
        let downgrade = try #require(await Self.failure(try Self.client(), "fault-downgrade-x"))
        #expect(downgrade.kind == .redirect && downgrade.description.contains("from https to http"))
    }

    @Test func aRepeatedPageMarkerStopsInsteadOfLooping() async throws {
        let error = try #require(await Self.failure(try Self.client(), "fault-loop-x"))
        #expect(error.kind == .response && error.description.contains("loop-0 a second time"))
        #expect(try Self.requests(region: "fault-loop-x", atLeast: 2).count == 2)
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let error = try #require(await Self.failure(try Self.client(trustTestCA: false), "la-south-2"))
        #expect(error.kind == .transport && error.description.contains("not trusted"))
    }

    @Test func theVerboseHookHearsOfEveryRequestWithoutSecrets() async throws {
        let exchanges = Exchanges()
        _ = try await Self.client(token: "kpToken-verbose-hook", exchanges: exchanges).images(region: "ap-southeast-3")
        let seen = exchanges.all
        #expect(seen.count == 4)
        for exchange in seen {
            #expect(exchange.method == "GET" && exchange.status == 200 && exchange.requestID != nil)
            #expect(!exchange.url.contains("?"))
            #expect(exchange.milliseconds >= 0)
            #expect(!exchange.summary.contains(CloudTestData.secretKey) && !exchange.summary.contains("kpToken-verbose-hook"))
        }
    }
}
