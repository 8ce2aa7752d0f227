import CloudAPI
import Testing

/// URLs as koopack takes them: parsed strictly, printed without their query, redirects resolved
/// as RFC 3986 says, and names found inside remote images resolved on the image's own host.
@Suite struct URLTests {
    @Test func descriptionLeavesOutTheQuerySoAPresignedSignatureIsNeverPrinted() throws {
        let url = try HTTPURL("https://bucket.obs.ap-southeast-3.myhuaweicloud.com/images/disk.qcow2?AccessKeyId=AK&Signature=c2VjcmV0&Expires=1")
        #expect(url.description == "https://bucket.obs.ap-southeast-3.myhuaweicloud.com/images/disk.qcow2")
        #expect(!"\(url)".contains("Signature"))
        #expect(url.absoluteString.hasSuffix("?AccessKeyId=AK&Signature=c2VjcmV0&Expires=1"))
    }

    @Test func parsingKeepsWhatGoesOnTheWire() throws {
        let url = try HTTPURL("HTTPS://Example.COM:443/a%20b/c?x=1#frag")
        #expect(url.scheme == "https")
        #expect(url.host == "example.com")
        #expect(url.port == nil)
        #expect(url.path == "/a%20b/c")
        #expect(url.query == "x=1")
        #expect(try HTTPURL("http://127.0.0.1:8080").authority == "127.0.0.1:8080")
        #expect(try HTTPURL("http://127.0.0.1:8080").path == "/")
        #expect(try HTTPURL("https://[::1]:9443/x").authority == "[::1]:9443")
    }

    @Test(arguments: ["file:///etc/passwd", "ftp://host/x", "https://user:pw@host/x", "https:///x", "https://host:0/",
                      "https://host:99999/", "https://host/a b", "https://host/é", "relative/path", "https://ho st/"])
    func malformedOrForeignURLsAreRefused(_ text: String) {
        #expect(throws: CloudAPIError.self) { try HTTPURL(text) }
    }

    @Test func queryItemsAreBuiltSortedAndEncodedAsSigned() throws {
        let url = try HTTPURL("https://ims.example.com/v2/cloudimages")
            .replacingQuery(items: [("marker", "a b+c"), ("limit", "500"), ("__imagetype", "private"), ("id", "")])
        #expect(url.query == "__imagetype=private&id=&limit=500&marker=a%20b%2Bc")
        #expect(url.queryItems.map { "\($0.0)=\($0.1)" } == ["__imagetype=private", "id=", "limit=500", "marker=a b+c"])
    }

    @Test func redirectsResolveAsRFC3986Says() throws {
        let base = try HTTPURL("https://h.example.com/a/b/c?q=1")
        #expect(try base.resolving(reference: "d").absoluteString == "https://h.example.com/a/b/d")
        #expect(try base.resolving(reference: "../d?x").absoluteString == "https://h.example.com/a/d?x")
        #expect(try base.resolving(reference: "/e").absoluteString == "https://h.example.com/e")
        #expect(try base.resolving(reference: "?z=2").absoluteString == "https://h.example.com/a/b/c?z=2")
        #expect(try base.resolving(reference: "//other.example.com/f").absoluteString == "https://other.example.com/f")
        #expect(try base.resolving(reference: "http://h.example.com/g").scheme == "http")
        #expect(try base.resolving(reference: "../../../../x").path == "/x")
        let error = #expect(throws: CloudAPIError.self) { try base.resolving(reference: "file:///etc/passwd") }
        #expect(error?.description.contains("file: URL") == true)
    }

    @Test func relativeBackingNamesResolveOnTheSameHost() throws {
        let image = try HTTPURL("https://files.example.com/exports/vm/overlay.qcow2")
        #expect(try image.resolvingRelativeName("base.qcow2") == .url(try HTTPURL("https://files.example.com/exports/vm/base.qcow2")))
        #expect(try image.resolvingRelativeName("../bases/my disk#1?.vmdk")
                == .url(try HTTPURL("https://files.example.com/exports/bases/my%20disk%231%3F.vmdk")))
        #expect(try image.resolvingRelativeName("../../../../etc.raw") == .url(try HTTPURL("https://files.example.com/etc.raw")))
    }

    @Test(arguments: ["/srv/images/base.qcow2", "\\\\server\\share\\base.vmdk", "https://other.example.com/base.qcow2",
                      "file:///etc/passwd", "C:\\images\\base.vmdk", ""])
    func namesThatWouldLeaveTheHostAreErrors(_ name: String) throws {
        let image = try HTTPURL("https://files.example.com/exports/overlay.qcow2")
        #expect(throws: CloudAPIError.self) { try image.resolvingRelativeName(name) }
    }

    @Test func aPresignedImagesNeighboursAreNotOpenedNorGuessed() throws {
        let image = try HTTPURL("https://bucket.obs.example.com/split.vmdk?AccessKeyId=AK&Signature=c2VjcmV0")
        guard case let .notOpened(reason) = try image.resolvingRelativeName("split-s001.vmdk") else {
            Issue.record("a presigned URL resolved a neighbour")
            return
        }
        #expect(reason.contains("split-s001.vmdk"))
        #expect(reason.contains("presigned"))
        #expect(!reason.contains("Signature"))
    }
}
