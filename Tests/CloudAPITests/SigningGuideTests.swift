import CloudAPI
import Testing

/// The worked example of Huawei Cloud's API Request Signing Guide ("Constructing a Standard
/// Request" through "Adding the Signature to the Request Header"): a VPC list request, its
/// canonical request, the hash of it, and the signature the guide prints for its example keys.
@Suite struct SigningGuideTests {
    static let accessKey = "QTWAOYTTINDUT2QVKYUC"
    static let secretKey = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"

    static func guideRequest() throws -> HTTPRequest {
        let url = try HTTPURL("https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0")
        return HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Content-Type", "application/json")])
    }

    @Test func guideExampleGivesTheGuidesCanonicalRequest() throws {
        var request = try Self.guideRequest()
        request.setHeader("Host", "service.region.example.com")
        request.setHeader("X-Sdk-Date", "20191115T033655Z")
        let (canonical, signed) = AKSKSigner.canonicalRequest(request)
        #expect(canonical == """
            GET
            /v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/
            limit=2&marker=13551d6b-755d-4757-b956-536f674975c0
            content-type:application/json
            host:service.region.example.com
            x-sdk-date:20191115T033655Z

            content-type;host;x-sdk-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed == "content-type;host;x-sdk-date")
        #expect(AKSKSigner.stringToSign(canonicalRequest: canonical, date: "20191115T033655Z") == """
            SDK-HMAC-SHA256
            20191115T033655Z
            b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a
            """)
    }

    @Test func guideExampleGivesTheGuidesAuthorizationHeader() throws {
        let signer = AKSKSigner(credentials: Credentials(accessKey: Self.accessKey, secretKey: Self.secretKey))
        let signed = signer.sign(try Self.guideRequest(), date: "20191115T033655Z")
        #expect(signed.header("Authorization") == "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")
        #expect(signed.header("X-Sdk-Date") == "20191115T033655Z")
        #expect(signed.header("Host") == "service.region.example.com")
    }
}
