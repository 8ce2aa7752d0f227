import Foundation
import Testing
import DiskImage
import Findings
import ImagePackage
@testable import GuestScan

/// Scans `tree` made into a real ext4 filesystem (an unpartitioned disk).
func scanTree(_ tree: RootTree, metadata: IMSMetadata? = nil, includePackages: Bool = false) throws -> ScanReport {
    let scratch = try Scratch()
    let image = try tree.ext4(in: scratch)
    return GuestScanner.scan(disk: try FileByteSource(path: image), metadata: metadata, includePackages: includePackages)
}

/// IMS metadata with the given fields.
func metadata(_ fields: [(String, String)]) throws -> IMSMetadata {
    try IMSMetadata(fields: fields.map { ($0.0, JSONValue.string($0.1)) }, file: "image.json")
}

extension ScanReport {
    /// The rule IDs of the findings, in report order.
    var ruleIDs: [String] { findings.map(\.ruleID.rawValue) }
    /// The findings of rule `id`.
    func findings(_ id: String) -> [Finding] { findings.filter { $0.ruleID.rawValue == id } }
}

@Suite(.enabled(if: Tool.exists("mkfs.ext4"), "mkfs.ext4 is not installed"))
struct ScanRulesTests {
    @Test func aCleanGuestHasNoFindingsAtAllEvenWithEveryNearMiss() throws {
        let report = try scanTree(GuestTrees.clean(), metadata: try metadata([("__platform", "Debian"), ("__os_version", "Debian GNU/Linux 12.5 64bit")]))
        #expect(report.scanned)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.os?.id == "debian")
        #expect(report.accountCount == 6)
        #expect(report.homes.contains("/root") && report.homes.contains("/home/alice") && report.homes.contains("/srv/carol"))
    }

    @Test func theDirtyGuestFiresExactlyTheFindingsItWasBuiltWith() throws {
        let report = try scanTree(GuestTrees.dirty())
        let got = report.findings.map { ($0.ruleID, $0.evidence("account") ?? $0.evidence("file") ?? $0.evidence("files") ?? $0.evidence("directory") ?? "") }
        #expect(got.map { "\($0.0) \($0.1)" }.sorted() == GuestTrees.dirtyFindings.map { "\($0.0) \($0.1)" }.sorted())
        // Errors come first, then warnings.
        #expect(report.findings.map(\.severity) == report.findings.map(\.severity).sorted(by: >))
    }

    @Test func aPasswordHashIsNeverPrintedOrKept() throws {
        let report = try scanTree(GuestTrees.dirty())
        let finding = try #require(report.findings("KG401").first)
        #expect(finding.evidence("account") == "root")
        #expect(finding.evidence("scheme") == "sha512crypt")
        let everything = report.findings.map { "\($0) \($0.evidence) \($0.remedy ?? "")" }.joined() + "\(report)"
        #expect(!everything.contains("yj/VLDgMjQCnRrAPBPKh5HRcgRfPSij0FYWRBJPofYcg"))
        #expect(!everything.contains("saltsalt"))
        #expect(!everything.contains("abcdefghijklmnopqrstu"))
    }

    @Test(arguments: [
        ("root:$y$j9T$abc$def:19700::::::\n", true, "yescrypt"),
        ("root:abcdefghijklm:19700::::::\n", true, "descrypt"),
        ("root:*:19700::::::\n", false, ""),
        ("root:!:19700::::::\n", false, ""),
        ("root:!!:19700::::::\n", false, ""),
        ("root:!*:19700::::::\n", false, ""),
        ("root:!$6$x$y:19700::::::\n", false, ""),
        ("root:*LK*:19700::::::\n", false, ""),
        ("root:x:19700::::::\n", false, ""),
    ])
    func aUsableShadowHashFiresKG401AndALockedOneDoesNot(shadow: String, fires: Bool, scheme: String) throws {
        var tree = GuestTrees.clean()
        tree.file("/etc/shadow", shadow)
        let report = try scanTree(tree)
        #expect(report.findings("KG401").count == (fires ? 1 : 0))
        #expect(report.findings("KG402").isEmpty)
        if fires { #expect(report.findings("KG401").first?.evidence("scheme") == scheme) }
    }

    @Test func anEmptyShadowFieldOrAnEmptyPasswdFieldWithoutShadowFiresKG402() throws {
        var tree = GuestTrees.clean()
        tree.file("/etc/passwd", "root:x:0:0::/root:/bin/sh\nguest::1005:1005::/home/guest:/bin/sh\nshadowed::1006:1006::/:/bin/sh\n")
        tree.file("/etc/shadow", "root::19700::::::\nshadowed:!:19700::::::\n")
        let report = try scanTree(tree)
        #expect(report.findings("KG402").map { $0.evidence("account") ?? "" } == ["root", "guest"])
        #expect(report.findings("KG402").map { $0.evidence("file") ?? "" } == ["/etc/shadow", "/etc/passwd"])
        // An old-style hash kept in /etc/passwd itself is as usable as one in shadow.
        tree.file("/etc/passwd", "root:x:0:0::/root:/bin/sh\nlegacy:\(GuestTrees.sha512Hash):1007:1007::/:/bin/sh\n")
        tree.file("/etc/shadow", "root:*:19700::::::\n")
        let legacy = try scanTree(tree)
        #expect(legacy.findings("KG401").map { $0.evidence("file") ?? "" } == ["/etc/passwd"])
        #expect(legacy.findings("KG402").isEmpty)
    }

    @Test func authorizedKeysOfRootAndEveryHomeFireKG403ButAnEmptyOrCommentOnlyFileDoesNot() throws {
        var tree = GuestTrees.clean()
        tree.file("/srv/carol/.ssh/authorized_keys2", "# seller\n" + GuestTrees.publicKey + GuestTrees.publicKey)
        let report = try scanTree(tree)
        let finding = try #require(report.findings("KG403").first)
        #expect(report.findings("KG403").count == 1)
        #expect(finding.evidence("file") == "/srv/carol/.ssh/authorized_keys2")
        #expect(finding.evidence("keys") == "2")
        #expect(finding.evidence("accounts") == "carol")
    }

    @Test func aHomeThatIsASymlinkIsResolvedInsideTheGuest() throws {
        var tree = GuestTrees.clean()
        tree.remove("/home/bob")
        tree.symlink("/home/bob", "/srv/bob-home")
        tree.file("/srv/bob-home/.ssh/authorized_keys", GuestTrees.publicKey)
        // A home whose symlink climbs out of the root stays inside the guest.
        tree.file("/etc/passwd", (try #require(tree.passwd)) + "eve:x:1010:1010::/home/eve:/bin/sh\n")
        tree.symlink("/home/eve", "../../../../../../root")
        let report = try scanTree(tree)
        #expect(report.findings("KG403").map { $0.evidence("file") ?? "" } == ["/home/bob/.ssh/authorized_keys"])
        #expect(report.homes.contains("/home/bob"))
        #expect(!report.homes.contains("/home/eve"), "eve's home is root's, counted once")
    }

    @Test func privateKeysByNameOrContentFireKG404AndPublicKeysDoNot() throws {
        var tree = GuestTrees.clean()
        tree.file("/root/.ssh/id_rsa", "anything at all\n", mode: 0o600)
        tree.file("/home/bob/.ssh/deploy", GuestTrees.rsaPrivate)
        tree.file("/home/bob/key.txt", "Bag Attributes\n    friendlyName: x\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n")
        // A system account's home is searched by name only, never opened file by file.
        tree.file("/usr/sbin/helper.pem", GuestTrees.rsaPrivate)
        let report = try scanTree(tree)
        let files = report.findings("KG404").map { $0.evidence("file") ?? "" }.sorted()
        #expect(files == ["/home/bob/.ssh/deploy", "/home/bob/key.txt", "/root/.ssh/id_rsa"])
        let reasons = report.findings("KG404").map { $0.evidence("reason") ?? "" }.sorted()
        #expect(reasons == ["holds a ENCRYPTED PRIVATE KEY", "holds a RSA PRIVATE KEY", "named id_rsa"])
    }

    @Test func hostPrivateKeysFireKG405AndPublicHalvesDoNot() throws {
        var tree = GuestTrees.clean()
        tree.file("/etc/ssh/ssh_host_rsa_key", GuestTrees.rsaPrivate, mode: 0o600)
        tree.file("/etc/ssh/ssh_host_ecdsa_key", GuestTrees.rsaPrivate, mode: 0o600)
        let report = try scanTree(tree)
        let finding = try #require(report.findings("KG405").first)
        #expect(finding.evidence("count") == "2")
        #expect(finding.evidence("files") == "/etc/ssh/ssh_host_ecdsa_key, /etc/ssh/ssh_host_rsa_key")
        #expect(finding.severity == .warning)
    }

    @Test(arguments: [".bash_history", ".zsh_history", ".ash_history", ".python_history", ".mysql_history", ".viminfo"])
    func aNonEmptyHistoryFiresKG406AndAZeroByteOneDoesNot(name: String) throws {
        var tree = GuestTrees.clean()
        tree.file("/home/bob/" + name, "select * from users;\n")
        tree.file("/root/" + name, "")
        let report = try scanTree(tree)
        #expect(report.findings("KG406").map { $0.evidence("file") ?? "" } == ["/home/bob/" + name])
        #expect(report.findings("KG406").first?.evidence("bytes") == "21")
    }

    @Test func aGuestWithoutCloudInitFiresKG407AndOneWithOnlyItsConfigDoesNot() throws {
        var tree = GuestTrees.clean()
        tree.remove("/usr/bin/cloud-init")
        tree.remove("/etc/cloud")
        #expect(try scanTree(tree).ruleIDs == ["KG407"])
        tree.file("/etc/cloud/cloud.cfg", "datasource_list: [ OpenStack ]\n")
        #expect(try scanTree(tree).findings.isEmpty)
        tree.remove("/etc/cloud")
        tree.file("/usr/bin/cloud-init", "#!/usr/bin/python3\n")
        #expect(try scanTree(tree).findings.isEmpty)
    }

    @Test func cloudInitInstanceStateFiresKG408AndAnEmptyInstancesDirectoryDoesNot() throws {
        var tree = GuestTrees.clean()
        tree.directory("/var/lib/cloud/instances/b7e1c2d4-instance")
        tree.file("/var/lib/cloud/instances/iid-datasource-none/obj.pkl", "x")
        let report = try scanTree(tree)
        #expect(report.ruleIDs == ["KG408"])
        #expect(report.findings("KG408").first?.evidence("entries") == "b7e1c2d4-instance, iid-datasource-none")
    }

    @Test(arguments: [
        ("Debian", "Debian GNU/Linux 12 (bookworm) 64bit", false),
        ("debian", "Debian 12.5 64bit", false),
        ("Other", "Other Linux(64 bit)", true),  // the version 12 is not there
        ("Ubuntu", "Ubuntu 22.04 server 64bit", true),
        ("Debian", "Debian 11.7 64bit", true),
        ("Debian", "Debian 112 64bit", true),
        ("CentOS", "CentOS 7.9 64bit", true),
        ("Windows", "Windows Server 2012 R2 Standard 64bit", true),
    ])
    func theOSReleaseIsHeldAgainstPlatformAndOSVersionForKG409(platform: String, version: String, fires: Bool) throws {
        var tree = GuestTrees.clean()
        tree.file("/usr/lib/os-release", "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")
        let report = try scanTree(tree, metadata: try metadata([("__platform", platform), ("__os_version", version)]))
        #expect(report.ruleIDs == (fires ? ["KG409"] : []))
        #expect(try scanTree(tree, metadata: nil).findings.isEmpty, "no metadata, nothing to disagree with")
    }

    @Test func kg409ToleratesVendorNamesAgainstOSReleaseNames() {
        let rhel = OSRelease.parse(Array("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"9.4\"\n".utf8))
        #expect(OSMetadataCheck.platformAgrees("Red Hat", os: rhel))
        #expect(OSMetadataCheck.platformAgrees("RHEL", os: rhel))
        #expect(!OSMetadataCheck.platformAgrees("CentOS", os: rhel))
        #expect(OSMetadataCheck.versionAgrees("Red Hat Enterprise Linux 9.4 64bit", versionID: "9.4"))
        #expect(!OSMetadataCheck.versionAgrees("Red Hat Enterprise Linux 9.40 64bit", versionID: "9.4"))
        #expect(!OSMetadataCheck.versionAgrees("CentOS 8.7 64bit", versionID: "7"))
        let hce = OSRelease.parse(Array("NAME=\"Huawei Cloud EulerOS\"\nID=\"hce\"\nVERSION_ID=\"2.0\"\n".utf8))
        #expect(OSMetadataCheck.platformAgrees("Huawei Cloud EulerOS", os: hce))
        #expect(OSMetadataCheck.platformAgrees("EulerOS", os: hce))
    }
}

extension RootTree {
    /// The text of /etc/passwd.
    var passwd: String? {
        if case let .file(bytes, _)? = nodes["/etc/passwd"] { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
