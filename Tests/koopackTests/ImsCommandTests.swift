import Foundation
import Synchronization
import Testing

/// `koopack ims images` run as a user would, against a loopback stand-in of IAM and IMS that
/// checks every request's AK/SK signature with Huawei's own SDK (testdata/cloud/ims_server.py),
/// over HTTPS with a CA made by openssl for the test. The secret key must never appear in any
/// output, whatever happens.
@Suite(.enabled(if: IMSStandIn.available, "python3 with huaweicloudsdkcore is needed (make deps installs it)"))
struct ImsCommandTests {
    static let secret = "kpE2eSecret-3b9f0d6c1a2e4f5b8c7d"
    static let token = "kpE2eToken-5a6b7c8d9e"
    static let audit = IMSStandIn.root + "/testdata/audit"

    /// The fixture account of testdata/audit (written by hand, with its expected audit states),
    /// served region by region: what `ims images` prints must audit exactly as those files do.
    static let server: Result<IMSStandIn, Error> = Result {
        let owner = try #require(try expectedAudit()["seller-owner"] as? String)
        var regions: [String: Any] = [:]
        for region in ["af-south-1", "ap-southeast-3", "la-south-2"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(audit)/images-\(region).json"))
            let root = try JSONSerialization.jsonObject(with: data)
            let images = (root as? [[String: Any]]) ?? ((root as? [String: Any])?["images"] as? [[String: Any]]) ?? []
            regions[region] = ["project_id": owner, "images": images.map { $0.filter { $0.key != "region" } }]
        }
        return try IMSStandIn(account: ["ak": "KOOPACKE2EAK", "sk": secret, "regions": regions])
    }

    static func expectedAudit() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: audit + "/expected-audit.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Runs `koopack ims images` with the stand-in's endpoints and CA, and `environment` added.
    static func ims(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolRun {
        let server = try server.get()
        var env = ["HUAWEICLOUD_SDK_AK": "KOOPACKE2EAK", "HUAWEICLOUD_SDK_SK": secret,
                   "HUAWEICLOUD_SDK_SECURITY_TOKEN": token, "HUAWEICLOUD_SDK_PROJECT_ID": "",
                   "KOOPACK_ENDPOINT_TEMPLATE": server.template, "SSL_CERT_FILE": server.caFile,
                   "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"]
        env.merge(environment) { $1 }
        let run = try KoopackBinary.run(["ims", "images"] + arguments, environment: env)
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "the secret key was printed")
        #expect(!run.stdout.contains(token) && !run.stderr.contains(token), "the security token was printed")
        return run
    }

    @Test func theListOfEveryRegionAuditsAsTheAccountsOwnFilesDo() throws {
        let run = try Self.ims(["--region", "af-south-1", "--region", "AP-Singapore", "--region", "la-south-2"])
        #expect(run.status == 0, "\(run.stderr)")
        let scratch = try Scratch()
        let saved = try scratch.write("images.json", Array(run.stdout.utf8))
        let root = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let images = try #require(root["images"] as? [[String: Any]])
        #expect(images.count == 27)
        #expect(Set(images.compactMap { $0["region"] as? String }) == ["af-south-1", "ap-southeast-3", "la-south-2"])
        let expected = try Self.expectedAudit()
        let audit = try KoopackBinary.run(["audit", "--format", "json", "--owner", try #require(expected["seller-owner"] as? String),
                                           "--released-list", Self.audit + "/released-list.txt", saved])
        #expect(audit.status == 0, "\(audit.stderr)")
        let entries = try #require(AuditCommandTests.entries(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8))))
        var states: [String: String] = [:]
        for entry in entries {
            if let id = entry["id"] as? String, let state = entry["state"] as? String { states[id] = state }
        }
        let declared = try #require(expected["images"] as? [String: [String: Any]]).compactMapValues { $0["state"] as? String }
        #expect(states == declared)
    }

    @Test func filtersNarrowTheList() throws {
        let run = try Self.ims(["--region", "ap-southeast-3", "--imagetype", "market"])
        #expect(run.status == 0, "\(run.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let images = try #require(root["images"] as? [[String: Any]])
        #expect(!images.isEmpty && images.allSatisfy { $0["__imagetype"] as? String == "market" })
        let id = try #require(images.first?["id"] as? String)
        let one = try Self.ims(["--region", "ap-southeast-3", "--image-id", id])
        #expect(one.stdout.components(separatedBy: "\"id\":").count == 2)
    }

    @Test func verboseNamesEachRequestWithoutItsSecrets() throws {
        let run = try Self.ims(["--region", "la-south-2", "--verbose"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        // IAM once, then IMS once per page of at most four images (the stand-in's page size).
        let images = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [Any]])["images"]?.count ?? 0
        #expect(lines.count == 1 + max(1, (images + 3) / 4))
        #expect(lines.allSatisfy { $0.contains("GET https://127.0.0.1:") })
        #expect(lines.first?.contains("/iam/la-south-2/v3/projects 200 request-id ") == true)
        #expect(lines.dropFirst().allSatisfy { $0.contains("/ims/la-south-2/v2/cloudimages 200 request-id ") })
        #expect(lines.allSatisfy { $0.hasSuffix(" ms") && !$0.contains("?") })
    }

    @Test func httpsProxyCarriesTheRequestsUnlessNoProxyNamesTheHost() throws {
        let proxy = try TestServerProcess(script: "connect_proxy.py", arguments: [])
        let imsPort = try Self.server.get().server.port
        let proxied = ["HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)", "https_proxy": "", "ALL_PROXY": "", "all_proxy": "",
                       "NO_PROXY": "", "no_proxy": ""]
        let through = try Self.ims(["--region", "la-south-2"], environment: proxied)
        #expect(through.status == 0, "\(through.stderr)")
        let tunnels = proxy.log.count
        #expect(tunnels >= 1)
        #expect(proxy.log.allSatisfy { $0.contains("127.0.0.1:\(imsPort)") })
        var bypass = proxied
        bypass["NO_PROXY"] = "127.0.0.1"
        let direct = try Self.ims(["--region", "la-south-2"], environment: bypass)
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(proxy.log.count == tunnels, "NO_PROXY was not honoured")
    }

    @Test func missingCredentialsNameTheVariable() throws {
        let run = try Self.ims(["--region", "la-south-2"], environment: ["HUAWEICLOUD_SDK_SK": ""])
        #expect(run.status == 2)
        #expect(run.stderr.contains("HUAWEICLOUD_SDK_SK is not set"))
        #expect(run.stdout.isEmpty)
    }

    /// Each fault of the stand-in, and what koopack must say of it (exit 2 for every failure).
    static let faults: [(region: String, environment: [String: String], status: Int32, says: String)] = [
        ("ap-southeast-3", ["HUAWEICLOUD_SDK_SK": "kpWrong-" + secret], 2, "HTTP 401 APIGW.0301"),
        ("ap-southeast-3", ["HUAWEICLOUD_SDK_SECURITY_TOKEN": "expired-token"], 2, "HTTP 401 APIGW.0307"),
        ("fault-429-e2e", [:], 0, "\"img-fault-429-e2e\""),
        ("fault-503-e2e", [:], 0, "\"img-fault-503-e2e\""),
        ("fault-drip-e2e", ["KOOPACK_HTTP_TIMEOUT": "2", "HUAWEICLOUD_SDK_PROJECT_ID": "p"], 2, "no complete answer within 2 s"),
        ("fault-truncated-e2e", [:], 2, "not valid JSON"),
        ("fault-huge-e2e", [:], 2, "passes the limit of 67108864 bytes"),
        ("fault-redirect-e2e", [:], 2, "redirects to another host"),
        ("fault-loop-e2e", [:], 2, "a second time"),
    ]

    @Test(arguments: 0..<faults.count)
    func eachFaultIsARetryOrAClearError(_ index: Int) throws {
        let fault = Self.faults[index]
        let run = try Self.ims(["--region", fault.region], environment: fault.environment)
        #expect(run.status == fault.status, "\(fault.region): \(run.stderr)")
        #expect((fault.status == 0 ? run.stdout : run.stderr).contains(fault.says), "\(fault.region): \(run.stderr)")
        if fault.status != 0 { #expect(run.stderr.contains("region \(fault.region): GET https://127.0.0.1:")) }
    }
}

/// testdata/cloud/ims_server.py serving one account over HTTPS, with a CA made for it by
/// testdata/cloud/make-test-ca.sh.
final class IMSStandIn: Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let available: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import huaweicloudsdkcore"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    let directory: String
    let server: TestServerProcess
    var template: String { "https://127.0.0.1:\(server.port)/{service}/{region}" }
    var caFile: String { directory + "/ca.pem" }

    init(account: [String: Any]) throws {
        directory = NSTemporaryDirectory() + "koopack-ims-" + UUID().uuidString
        let ca = Process()
        ca.executableURL = URL(fileURLWithPath: "/bin/sh")
        ca.arguments = [Self.root + "/testdata/cloud/make-test-ca.sh", directory]
        try ca.run()
        ca.waitUntilExit()
        try JSONSerialization.data(withJSONObject: account).write(to: URL(fileURLWithPath: directory + "/account.json"))
        server = try TestServerProcess(script: "ims_server.py", arguments: [
            "--cert", directory + "/server.pem", "--key", directory + "/server-key.pem", "--account", directory + "/account.json"])
    }
}

/// A server script of testdata/cloud, started by a test on loopback: it prints `READY <port>`,
/// and is stopped when the test process ends (it also exits by itself when its parent does, or
/// after ten minutes).
final class TestServerProcess: Sendable {
    let port: Int
    let logPath: String

    init(script: String, arguments: [String]) throws {
        logPath = NSTemporaryDirectory() + "koopack-log-" + UUID().uuidString + ".jsonl"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", IMSStandIn.root + "/testdata/cloud/" + script, "--log", logPath, "--lifetime", "600"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        atexit { TestServerProcess.stopAll() }
        Self.started.withLock { $0.append(pid) }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.fileReadUnknown, userInfo: [script: line])
        }
        self.port = port
    }

    /// The lines the server logged.
    var log: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    private static let started = Mutex<[pid_t]>([])

    static func stopAll() {
        for pid in started.withLock({ $0 }) { kill(pid, SIGTERM) }
    }
}
