import CloudAPI
import Testing

/// Credentials, endpoints and HTTP settings as the environment and the command line give them.
@Suite struct SettingsTests {
    static let secret = "kpSettingsSecret0123456789"
    static let token = "kpSettingsToken-abcdef"

    @Test func aMissingVariableIsNamed() {
        let noAK = #expect(throws: CloudAPIError.self) { try Credentials.fromEnvironment(["HUAWEICLOUD_SDK_SK": Self.secret]) }
        #expect(noAK?.description.contains("HUAWEICLOUD_SDK_AK is not set") == true)
        #expect(noAK?.description.contains(Self.secret) == false)
        let noSK = #expect(throws: CloudAPIError.self) { try Credentials.fromEnvironment(["HUAWEICLOUD_SDK_AK": "AK1"]) }
        #expect(noSK?.description.contains("HUAWEICLOUD_SDK_SK is not set") == true)
        let neither = #expect(throws: CloudAPIError.self) { try Credentials.fromEnvironment([:]) }
        #expect(neither?.description.contains("HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set") == true)
    }

    @Test func theSecretKeyAndTokenAreNeverPrinted() throws {
        let credentials = try Credentials.fromEnvironment([
            "HUAWEICLOUD_SDK_AK": "AK1", "HUAWEICLOUD_SDK_SK": Self.secret,
            "HUAWEICLOUD_SDK_SECURITY_TOKEN": Self.token, "HUAWEICLOUD_SDK_PROJECT_ID": "p1"])
        #expect(credentials.isTemporary)
        #expect(credentials.projectID == "p1")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped] {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.token))
            #expect(text.contains("AK1"))
        }
        let bad = #expect(throws: CloudAPIError.self) {
            try Credentials.fromEnvironment(["HUAWEICLOUD_SDK_AK": "AK1", "HUAWEICLOUD_SDK_SK": "has space " + Self.secret])
        }
        #expect(bad?.description.contains("HUAWEICLOUD_SDK_SK") == true)
        #expect(bad?.description.contains(Self.secret) == false)
    }

    @Test func endpointsFollowTheSiteOrTheTemplate() throws {
        let huawei = try Endpoints()
        #expect(try huawei.url(service: "ims", region: "ap-southeast-3", path: "/v2/cloudimages").description
                == "https://ims.ap-southeast-3.myhuaweicloud.com/v2/cloudimages")
        #expect(try huawei.url(service: "iam", region: "eu-west-101", path: "/v3/projects").description
                == "https://iam.eu-west-101.myhuaweicloud.eu/v3/projects")
        let local = try Endpoints.resolve(option: nil, environment: ["KOOPACK_ENDPOINT_TEMPLATE": "https://127.0.0.1:8443/{service}/{region}/"])
        #expect(try local.url(service: "ims", region: "la-south-2", path: "/v2/cloudimages").description
                == "https://127.0.0.1:8443/ims/la-south-2/v2/cloudimages")
        let option = try Endpoints.resolve(option: "https://{service}-{region}.proxy.example.com", environment: ["KOOPACK_ENDPOINT_TEMPLATE": "https://x/{service}/{region}"])
        #expect(try option.url(service: "iam", region: "af-south-1", path: "/v3/projects").host == "iam-af-south-1.proxy.example.com")
        #expect(throws: CloudAPIError.self) { try Endpoints(template: "https://127.0.0.1/{service}") }
        #expect(throws: CloudAPIError.self) { try Endpoints(template: "ftp://{service}.{region}") }
        #expect(throws: CloudAPIError.self) { try huawei.url(service: "ims", region: "AP Singapore", path: "/") }
    }

    @Test func timeoutsComeFromKoopackHTTPTimeout() throws {
        let defaults = try HTTPConfiguration.fromEnvironment([:])
        #expect(defaults.connectTimeout == 10 && defaults.requestTimeout == 60 && defaults.maximumAttempts == 4)
        #expect(defaults.maximumBodyBytes == 64 << 20 && defaults.maximumRedirects == 5)
        let short = try HTTPConfiguration.fromEnvironment(["KOOPACK_HTTP_TIMEOUT": "2.5"])
        #expect(short.connectTimeout == 2.5 && short.requestTimeout == 2.5)
        let long = try HTTPConfiguration.fromEnvironment(["KOOPACK_HTTP_TIMEOUT": "20"])
        #expect(long.connectTimeout == 10 && long.requestTimeout == 20)
        let both = try HTTPConfiguration.fromEnvironment(["KOOPACK_HTTP_TIMEOUT": "3, 30"])
        #expect(both.connectTimeout == 3 && both.requestTimeout == 30)
        for bad in ["0", "-1", "ten", "1,2,3", ","] {
            let error = #expect(throws: CloudAPIError.self) { try HTTPConfiguration.fromEnvironment(["KOOPACK_HTTP_TIMEOUT": bad]) }
            #expect(error?.description.contains("KOOPACK_HTTP_TIMEOUT") == true)
        }
    }

    @Test func certificateFilesAreCheckedAndNamed() throws {
        let missing = #expect(throws: CloudAPIError.self) { try HTTPConfiguration.fromEnvironment(["SSL_CERT_FILE": "/nonexistent/ca.pem"]) }
        #expect(missing?.description.contains("/nonexistent/ca.pem") == true)
        let notPEM = #expect(throws: CloudAPIError.self) { try HTTPConfiguration.fromEnvironment([:], caFile: CloudTestData.cloud + "/account.json") }
        #expect(notPEM?.description.contains("no PEM certificate") == true)
        let both = try HTTPConfiguration.fromEnvironment(["SSL_CERT_FILE": TestCA.caFile], caFile: TestCA.caFile)
        #expect(both.extraCertificateFiles == [TestCA.caFile, TestCA.caFile])
    }
}
