import Foundation
import KoopackTestSupport
import Testing

/// A live root read by someone other than root, and `check --root DIR`: the image a metadata
/// file describes, judged with the scan of DIR in place of its disk.
struct LiveRootCheckTests {
    static let eligibleMetadata: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path + "/testdata/packages/eligible/web-server.qcow2.json"
    static let presetShadow = "root:$6$saltsalt$Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4cXV1eA:19700:0:99999:7:::\n"
    static let lockedShadow = "root:*:19700:0:99999:7:::\n"

    /// A small Ubuntu root under `scratch` whose /etc/shadow holds `shadow`, mode 0600 and owned
    /// by whoever runs the test; every folder on the way to it is open to other users.
    static func tree(_ scratch: Scratch, shadow: String) throws -> String {
        let files = [
            "etc/os-release": "ID=ubuntu\nVERSION_ID=\"22.04\"\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n",
            "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
            "etc/shadow": shadow,
            "etc/cloud/cloud.cfg": "users: [default]\n",
            "usr/bin/cloud-init": "#!/bin/sh\n",
        ]
        for (path, text) in files { try scratch.write("root/" + path, text) }
        try FileManager.default.createDirectory(atPath: scratch.file("root/root"), withIntermediateDirectories: true)
        for directory in [scratch.path, scratch.file("root"), scratch.file("root/etc"), scratch.file("root/etc/cloud"),
                          scratch.file("root/usr"), scratch.file("root/usr/bin"), scratch.file("root/root")] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        }
        for path in ["etc/os-release", "etc/passwd", "etc/cloud/cloud.cfg", "usr/bin/cloud-init"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: scratch.file("root/" + path))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: scratch.file("root/etc/shadow"))
        return scratch.file("root")
    }

    /// `setpriv` (util-linux) runs a command as nobody; nil when it is missing or the test is not
    /// run as root (then there is no one to drop to).
    static let asNobody: [String]? = {
        guard getuid() == 0, let setpriv = Tool.path("setpriv") else { return nil }
        return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    }()

    @Test(.enabled(if: asNobody != nil, "needs root and setpriv (util-linux) to scan as nobody"))
    func aShadowNobodyMayNotReadIsANoteToRunAsRootAndNeverClean() throws {
        let scratch = try Scratch()
        let root = try Self.tree(scratch, shadow: Self.presetShadow)
        let prefix = try #require(Self.asNobody)
        let text = try Tool.capture(prefix[0], Array(prefix.dropFirst()) + [KoopackBinary.path, "scan", "--root", root])
        #expect(text.stdout.contains("KG410") && text.stdout.contains("/etc/shadow") && text.stdout.contains("run koopack as root"),
                "\(text.stdout)\(text.stderr)")
        #expect(!text.stdout.contains("clean"), "\(text.stdout)")
        #expect(!text.stdout.contains("$6$") && !text.stderr.contains("$6$"))
        let json = try Tool.capture(prefix[0], Array(prefix.dropFirst()) + [KoopackBinary.path, "scan", "--format", "json", "--root", root])
        let report = try #require(try parseReports(json.stdout).first)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["rule"] as? String == "KG410" && ($0["evidence"] as? [String: Any])?["file"] as? String == "/etc/shadow" })
        // As root the same tree is read whole: the preset password is found, nothing is left out.
        let asRoot = try KoopackBinary.run(["scan", "--root", root])
        #expect(asRoot.status == 1 && asRoot.stdout.contains("KG401") && !asRoot.stdout.contains("KG410"), "\(asRoot.stdout)")
    }

    @Test func checkRootWithAPresetPasswordIsNotEligible() throws {
        let scratch = try Scratch()
        let root = try Self.tree(scratch, shadow: Self.presetShadow)
        let run = try KoopackBinary.run(["check", "--format", "json", "--root", root, "--metadata", Self.eligibleMetadata,
                                         "--region", "ap-southeast-3"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let report = try #require(try parseReports(run.stdout).first)
        let findings = try #require(report["findings"] as? [[String: Any]])
        #expect(findings.contains { $0["rule"] as? String == "KG401" }, "\(run.stdout)")
        #expect(!run.stdout.contains("$6$"))
    }

    @Test func checkRootOfACleanTreeWithEligibleMetadataIsEligible() throws {
        let scratch = try Scratch()
        let root = try Self.tree(scratch, shadow: Self.lockedShadow)
        let run = try KoopackBinary.run(["check", "--root", root, "--metadata", Self.eligibleMetadata, "--region", "ap-southeast-3"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains(": eligible\n") && !run.stdout.contains("KG410"), "\(run.stdout)")
    }

    @Test func checkRootTakesNoImageAndNeedsMetadata() throws {
        let scratch = try Scratch()
        let root = try Self.tree(scratch, shadow: Self.lockedShadow)
        let withImage = try KoopackBinary.run(["check", "--root", root, "--metadata", Self.eligibleMetadata, scratch.file("x.qcow2")])
        #expect(withImage.status != 0 && withImage.stderr.contains("--root takes no image"), "\(withImage.stderr)")
        let bare = try KoopackBinary.run(["check", "--root", root])
        #expect(bare.status != 0 && bare.stderr.contains("--root needs --metadata"), "\(bare.stderr)")
    }
}

/// `check --root` as someone who may not read the root's shadow: a warning, never eligible outright.
struct LiveRootCheckAsNobodyTests {
    @Test(.enabled(if: LiveRootCheckTests.asNobody != nil, "needs root and setpriv (util-linux) to check as nobody"))
    func aShadowNobodyMayNotReadMakesTheCheckWarnAndStrictFail() throws {
        let scratch = try Scratch()
        let root = try LiveRootCheckTests.tree(scratch, shadow: LiveRootCheckTests.presetShadow)
        let prefix = try #require(LiveRootCheckTests.asNobody)
        let arguments = [KoopackBinary.path, "check", "--root", root, "--metadata", LiveRootCheckTests.eligibleMetadata,
                         "--region", "ap-southeast-3"]
        let run = try Tool.capture(prefix[0], Array(prefix.dropFirst()) + arguments, environment: ["NO_COLOR": "1"])
        #expect(run.status == 0 && run.stdout.contains(": eligible with warnings\n"), "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("KG410") && run.stdout.contains("/etc/shadow") && run.stdout.contains("run koopack as root"))
        let strict = try Tool.capture(prefix[0], Array(prefix.dropFirst()) + arguments + ["--strict"])
        #expect(strict.status == 1, "\(strict.stdout)")
    }
}

/// `check --cloud --image-id ID --root DIR`: IMS's metadata, with the scan of DIR in place of
/// the note that the image has no file to scan.
@Suite(.enabled(if: IMSStandIn.available, "python3 with huaweicloudsdkcore is needed"))
struct LiveRootCloudCheckTests {
    @Test func theIMSImageIsJudgedWithTheRootsScan() throws {
        let scratch = try Scratch()
        let root = try LiveRootCheckTests.tree(scratch, shadow: LiveRootCheckTests.presetShadow)
        let run = try ImsCloudTests.koopack(["check", "--cloud", "--image-id", "3286ed94-6f09-54f5-9c11-15cdd6440fcd",
                                             "--root", root, "--format", "json"] + ImsCloudTests.regions)
        #expect(run.status == 1, "\(run.stderr)")
        let report = try #require(try parseReports(run.stdout).first)
        #expect((report["image"] as? String)?.contains("3286ed94-6f09-54f5-9c11-15cdd6440fcd") == true)
        let findings = (report["findings"] as? [[String: Any]]) ?? []
        #expect(findings.contains { $0["rule"] as? String == "KG401" }, "\(run.stdout)")
        #expect(!findings.contains { ($0["message"] as? String)?.contains("no file here") == true }, "\(run.stdout)")
    }
}
