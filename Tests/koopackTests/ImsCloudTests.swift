import Foundation
import Testing

/// `check --cloud`, `audit --cloud` and `bundle --cloud` run as a user would, against the
/// loopback stand-in of IAM and IMS that checks every request's AK/SK signature with Huawei's
/// own SDK (the account of testdata/audit, as `ImsCommandTests` serves it). What IMS says must
/// be judged exactly as the same metadata read from files; no output may hold the secret key
/// or the token, even with --verbose.
@Suite(.enabled(if: IMSStandIn.available && QemuImg.available, "python3 with huaweicloudsdkcore and qemu-img are needed"))
struct ImsCloudTests {
    /// Runs koopack with the stand-in's endpoints, CA and credentials, checking that neither
    /// secret is printed.
    static func koopack(_ arguments: [String], environment: [String: String] = [:],
                        server: IMSStandIn? = nil) throws -> ToolRun {
        let stand = try server ?? ImsCommandTests.server.get()
        var env = ["HUAWEICLOUD_SDK_AK": "KOOPACKE2EAK", "HUAWEICLOUD_SDK_SK": ImsCommandTests.secret,
                   "HUAWEICLOUD_SDK_SECURITY_TOKEN": ImsCommandTests.token, "HUAWEICLOUD_SDK_PROJECT_ID": "",
                   "KOOPACK_ENDPOINT_TEMPLATE": stand.template, "SSL_CERT_FILE": stand.caFile,
                   "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", "KOOPACK_HTTP_TIMEOUT": "5,20"]
        env.merge(environment) { $1 }
        let run = try KoopackBinary.run(arguments, environment: env)
        for secret in [ImsCommandTests.secret, ImsCommandTests.token] {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "a secret was printed")
        }
        return run
    }

    /// The states the fixture account declares (written by hand), by image ID.
    static func declaredStates() throws -> [String: String] {
        let expected = try ImsCommandTests.expectedAudit()
        return try #require(expected["images"] as? [String: [String: Any]]).compactMapValues { $0["state"] as? String }
    }

    static func auditStates(_ run: ToolRun) throws -> [String: String] {
        let entries = try #require(AuditCommandTests.entries(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))))
        var states: [String: String] = [:]
        for entry in entries {
            if let id = entry["id"] as? String, let state = entry["state"] as? String { states[id] = state }
        }
        return states
    }

    static let regions = ["--region", "af-south-1", "--region", "AP-Singapore", "--region", "la-south-2"]
    static let released = ["--released-list", ImsCommandTests.audit + "/released-list.txt"]

    @Test func auditCloudGivesTheAccountsDeclaredStatesWithoutOwner() throws {
        let run = try Self.koopack(["audit", "--cloud", "--format", "json"] + Self.regions + Self.released)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.auditStates(run) == (try Self.declaredStates()))
    }

    @Test func auditCloudKeepsIMSsAnswerOverAStaleListFile() throws {
        let scratch = try Scratch()
        let stale = #"{"images": [{"id": "3286ed94-6f09-54f5-9c11-15cdd6440fcd", "name": "web-ubuntu2204", "__imagetype": "private", "__system__cmkid": "kms-9", "region": "ap-southeast-3"}]}"#
        let file = try scratch.write("stale.json", Array(stale.utf8))
        let offline = try KoopackBinary.run(["audit", "--format", "json", file])
        #expect(try Self.auditStates(offline)["3286ed94-6f09-54f5-9c11-15cdd6440fcd"] == "encrypted")
        let run = try Self.koopack(["audit", "--cloud", "--format", "json", file] + Self.regions + Self.released)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.auditStates(run) == (try Self.declaredStates()))
        #expect(run.stderr.contains("image ID 3286ed94-6f09-54f5-9c11-15cdd6440fcd appears in IMS ap-southeast-3"), "\(run.stderr)")
    }

    @Test func auditCloudAsksEveryAllowedRegionByDefault() throws {
        // The stand-in's account has projects in three of the eight regions: the others hold no
        // images and are no error.
        let run = try Self.koopack(["audit", "--cloud", "--format", "json", "--verbose"] + Self.released)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.auditStates(run) == (try Self.declaredStates()))
        #expect(run.stderr.contains("region sa-brazil-1: the account has no project there"))
        #expect(run.stderr.contains("/iam/na-mexico-1/v3/projects 200"))
    }

    @Test func auditCloudGoesOnWhenARegionFailsAndExitsTwo() throws {
        let run = try Self.koopack(["audit", "--cloud", "--format", "json", "--region", "la-south-2",
                                    "--region", "fault-always503-audit"] + Self.released)
        #expect(run.status == 2)
        #expect(run.stderr.contains("region fault-always503-audit: GET https://127.0.0.1:"))
        #expect(run.stderr.contains("HTTP 503 APIGW.0201"))
        let states = try Self.auditStates(run)
        #expect(states["6b7a5632-36b2-5262-a3f2-78a5058416f1"] == "releasable")
        #expect(!states.isEmpty && states.keys.allSatisfy { (try? Self.declaredStates())?[$0] != nil })
    }

    /// One image of each kind, by ID, with the verdict its declared audit state means.
    static let samples: [(id: String, state: String, rule: String?)] = [
        ("3286ed94-6f09-54f5-9c11-15cdd6440fcd", "releasable", nil),
        ("e7c3a288-9469-5a1b-a221-a3cbbd2933d6", "encrypted", "KG104"),
        ("3606c9a6-60eb-57b8-a577-56ec147e4734", "shared", "KG103"),
        ("af315eb4-82d0-5979-acc0-fe0220eaa022", "full-ecs", "KG101"),
        ("cdb06f7e-e1b5-59ee-9ad2-66c960db06c6", "market", "KG106"),
    ]

    @Test(arguments: 0..<samples.count)
    func checkCloudJudgesAnIMSImageWithNoFileAsItsDeclaredState(_ index: Int) throws {
        let sample = Self.samples[index]
        let run = try Self.koopack(["check", "--cloud", "--image-id", sample.id, "--format", "json"] + Self.regions)
        #expect(run.status == (sample.state == "releasable" ? 0 : 1), "\(run.stderr)")
        let report = try #require(try parseReports(run.stdout).first)
        #expect((report["image"] as? String)?.contains(sample.id) == true)
        let findings = (report["findings"] as? [[String: Any]]) ?? []
        let rules = findings.compactMap { $0["rule"] as? String }
        if let rule = sample.rule { #expect(rules.contains(rule), "\(rules)") }
        #expect(!rules.contains("KG113") && !rules.contains("KG112"), "header rules judged a missing file")
        let scan = try #require(findings.first { $0["rule"] as? String == "KG410" })
        #expect((scan["message"] as? String)?.contains("koopack scan --root /") == true)
        let notes = ((report["inspect"] as? [String: Any])?["warnings"] as? [String]) ?? []
        #expect(notes.contains { $0.contains("no image file") })
    }

    @Test func checkCloudSearchesEveryAllowedRegionWithoutRegion() throws {
        let run = try Self.koopack(["check", "--cloud", "--image-id", "6b7a5632-36b2-5262-a3f2-78a5058416f1", "--no-scan"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("IMS image 6b7a5632-36b2-5262-a3f2-78a5058416f1 (la-south-2): "))
        let missing = try Self.koopack(["check", "--cloud", "--image-id", "00000000-0000-4000-8000-000000000000", "--no-scan"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("image 00000000-0000-4000-8000-000000000000 is in none of the regions"))
    }

    @Test func checkCloudLaysIMSOverASidecarAndWarnsOfEachDifference() throws {
        let scratch = try Scratch()
        let image = scratch.file("web.qcow2")
        try QemuImg.run(["create", "-q", "-f", "qcow2", image, "40G"])
        // A stale sidecar: the image was still saving when it was exported, and IMS has no CMK.
        let sidecar = #"{"id": "3286ed94-6f09-54f5-9c11-15cdd6440fcd", "status": "saving", "__system__cmkid": "kms-key-1", "released": false}"#
        _ = try scratch.write("web.qcow2.json", Array(sidecar.utf8))
        let offline = try KoopackBinary.run(["check", "--no-guest", "--format", "json", image])
        let offlineRules = Set(((try parseReports(offline.stdout).first?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String })
        #expect(offlineRules.isSuperset(of: ["KG104", "KG118"]), "\(offlineRules)")
        let run = try Self.koopack(["check", "--cloud", "--no-guest", "--format", "json", image] + Self.regions)
        let report = try #require(try parseReports(run.stdout).first)
        let rules = Set(((report["findings"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String })
        #expect(!rules.contains("KG104") && !rules.contains("KG118"), "\(rules)")
        let warnings = (report["warnings"] as? [String]) ?? []
        #expect(warnings.contains { $0.contains("status = saving") && $0.contains("IMS says active") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("__system__cmkid = kms-key-1") && $0.contains("IMS has no __system__cmkid") })
        #expect((report["metadata-file"] as? String)?.hasPrefix("IMS ap-southeast-3") == true)
    }

    @Test(arguments: 0..<samples.count)
    func checkCloudOfAFileJudgesAsTheSameMetadataInItsSidecar(_ index: Int) throws {
        // The sidecar is the fixture's own image object (what IMS serves), so IMS agrees with it.
        let sample = Self.samples[index]
        let data = try Data(contentsOf: URL(fileURLWithPath: ImsCommandTests.audit + "/images-ap-southeast-3.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var object = try #require((root["images"] as? [[String: Any]])?.first { $0["id"] as? String == sample.id })
        object["region"] = "ap-southeast-3"   // koopack's sidecar key: the list said it by its file name
        let scratch = try Scratch()
        let image = scratch.file("disk.qcow2")
        try QemuImg.run(["create", "-q", "-f", "qcow2", image, "40G"])
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: scratch.file("disk.qcow2.json")))
        let owner = try #require(try ImsCommandTests.expectedAudit()["seller-owner"] as? String)
        let offline = try KoopackBinary.run(["check", "--no-guest", "--format", "json", "--owner", owner, image])
        let cloud = try Self.koopack(["check", "--cloud", "--no-guest", "--format", "json", image] + Self.regions)
        #expect(cloud.status == offline.status, "\(cloud.stderr)")
        let a = try #require(try parseReports(offline.stdout).first), b = try #require(try parseReports(cloud.stdout).first)
        func rules(_ report: [String: Any]) -> [String] {
            ((report["findings"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String }
        }
        #expect(rules(a) == rules(b))
        #expect(a["verdict"] as? String == b["verdict"] as? String)
        #expect((b["warnings"] as? [String]) == [], "IMS and the sidecar agree: nothing to warn")
        if let rule = sample.rule { #expect(rules(b).contains(rule)) }
    }

    @Test func wrongSecretOrExpiredTokenIsAClearErrorEvenWithVerbose() throws {
        for (environment, says) in [(["HUAWEICLOUD_SDK_SK": "kpWrong-" + ImsCommandTests.secret], "HTTP 401 APIGW.0301"),
                                    (["HUAWEICLOUD_SDK_SECURITY_TOKEN": "expired-token"], "HTTP 401 APIGW.0307")] {
            let check = try Self.koopack(["check", "--cloud", "--verbose", "--image-id", "6b7a5632-36b2-5262-a3f2-78a5058416f1",
                                          "--region", "la-south-2"], environment: environment)
            #expect(check.status == 2)
            #expect(check.stderr.contains(says), "\(check.stderr)")
            let audit = try Self.koopack(["audit", "--cloud", "--verbose", "--region", "la-south-2"], environment: environment)
            #expect(audit.status == 2)
            #expect(audit.stderr.contains("region la-south-2: ") && audit.stderr.contains(says))
        }
        // A wrong secret key printed nowhere either.
        let wrong = try Self.koopack(["audit", "--cloud", "--verbose", "--region", "la-south-2"],
                                     environment: ["HUAWEICLOUD_SDK_SK": "kpWrongSecretZ81"])
        #expect(!wrong.stderr.contains("kpWrongSecretZ81") && !wrong.stdout.contains("kpWrongSecretZ81"))
    }

    @Test func eachFaultOfARegionIsARetryOrAClearErrorInCheckCloud() throws {
        // Every fault of `ims images`, the wrong secret, expired token and slow drip included.
        for fault in ImsCommandTests.faults {
            let region = fault.region.replacingOccurrences(of: "-e2e", with: "-check")
            let run = try Self.koopack(["check", "--cloud", "--no-scan", "--verbose", "--image-id", "img-" + region, "--region", region],
                                       environment: fault.environment)
            if fault.status == 0 {
                #expect(run.status != 2 && run.stdout.contains("img-\(region)"), "\(region): \(run.stderr)")
            } else {
                #expect(run.status == 2, "\(region): \(run.stderr)")
                #expect(run.stderr.contains("region \(region): GET https://127.0.0.1:") && run.stderr.contains(fault.says), "\(region): \(run.stderr)")
            }
        }
    }

    /// The example release, whose Enterprise specification names its image by ID only
    /// (3f6c2a1e-…, in CN-Hong Kong), bundled against an account holding that image.
    static func bundle(image: [String: Any]) throws -> (ToolRun, ToolRun) {
        let server = try IMSStandIn(account: ["ak": "KOOPACKE2EAK", "sk": ImsCommandTests.secret, "regions": [
            "ap-southeast-1": ["project_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "images": [image]]]])
        let release = try ExampleReleaseCopy()
        let env = ["KOOPACK_NOW": String(ExampleReleaseCopy.now)]
        let offline = try release.bundle(release.scratch.file("offline"))
        let cloud = try Self.koopack(["bundle", release.yaml, "--out", release.scratch.file("cloud"), "--ledger",
                                      release.scratch.file("cloud.sqlite"), "--cloud"], environment: env, server: server)
        return (offline, cloud)
    }

    @Test func bundleCloudJudgesAnImageNamedByIDFromIMS() throws {
        let encrypted: [String: Any] = ["id": "3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44", "name": "acme-enterprise", "status": "active",
                                        "__imagetype": "private", "visibility": "private", "virtual_env_type": "FusionCompute",
                                        "__system__cmkid": "7c1f0d9e-kms", "min_disk": 40, "owner": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"]
        let (offline, cloud) = try Self.bundle(image: encrypted)
        #expect(offline.status == 0, "\(offline.stdout)\n\(offline.stderr)")
        #expect(cloud.status == 1, "\(cloud.stdout)\n\(cloud.stderr)")
        #expect(cloud.stdout.contains("KG104"))
        var clean = encrypted
        clean["__system__cmkid"] = ""
        let (_, accepted) = try Self.bundle(image: clean)
        #expect(accepted.status == 0, "\(accepted.stdout)\n\(accepted.stderr)")
        let (_, missing) = try Self.bundle(image: ["id": "11111111-2222-4333-8444-555555555555", "name": "other"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("image 3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44 is in none of the regions"), "\(missing.stderr)")
    }
}
