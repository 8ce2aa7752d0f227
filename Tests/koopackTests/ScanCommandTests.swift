import Foundation
import Testing

/// `koopack scan` and `koopack sbom` run as a user would.
@Suite(.enabled(if: GuestRootImage.available, "needs qemu-img and mkfs.ext4"))
struct ScanCommandTests {
    @Test func scanNamesTheOSAndTheAccountButNeverTheHashAndExitsOne() throws {
        let scratch = try Scratch()
        let image = try GuestRootImage.make(GuestRootImage.ubuntuWithPresetPassword, in: scratch)
        let text = try KoopackBinary.run(["scan", image], environment: ["NO_COLOR": "1"])
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stdout.contains("Ubuntu 22.04.4 LTS"))
        #expect(text.stdout.contains("KG401"))
        #expect(text.stdout.contains("root"))
        #expect(text.stdout.contains("KG406"), "alice's non-empty history")
        #expect(!text.stdout.contains("saltsalt"))

        let json = try KoopackBinary.run(["scan", "--format", "json", image])
        #expect(!json.stdout.contains("saltsalt"))
        let sarif = try KoopackBinary.run(["scan", "--format", "sarif", image])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
    }

    @Test func aLockedRootAndNoHistoryScanClean() throws {
        var files = GuestRootImage.ubuntuWithPresetPassword
        files["etc/shadow"] = "root:*:19700:0:99999:7:::\nalice:!:19700:0:99999:7:::\n"
        files["home/alice/.bash_history"] = ""
        let scratch = try Scratch()
        let image = try GuestRootImage.make(files, in: scratch)
        let run = try KoopackBinary.run(["scan", "--format", "json", image])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains("KG401"))
        #expect(!run.stdout.contains("KG406"))
    }

    @Test func sbomListsTheInstalledPackagesWithPackageURLs() throws {
        let scratch = try Scratch()
        let image = try GuestRootImage.make(GuestRootImage.ubuntuWithPresetPassword, in: scratch)
        let run = try KoopackBinary.run(["sbom", image])
        #expect(run.status == 0, "\(run.stderr)")
        let bom = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(bom["bomFormat"] as? String == "CycloneDX")
        #expect(bom["specVersion"] as? String == "1.5")
        let purls = ((bom["components"] as? [[String: Any]]) ?? []).compactMap { $0["purl"] as? String }
        #expect(purls.contains("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.15?arch=amd64&distro=ubuntu-22.04"))
        #expect(purls.contains { $0.hasPrefix("pkg:deb/ubuntu/bash@") })
        #expect(!purls.contains { $0.contains("removed-tool") })

        let spdx = try KoopackBinary.run(["sbom", "--format", "spdx", image])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(spdx.stdout.utf8)) as? [String: Any])
        #expect(document["spdxVersion"] as? String == "SPDX-2.3")
    }

    @Test func aDiskWithNoLinuxRootIsANoteNotAnError() throws {
        let scratch = try Scratch()
        let blank = try scratch.write("blank.raw", [UInt8](repeating: 0, count: 1 << 20))
        let run = try KoopackBinary.run(["scan", blank])
        #expect(run.status == 0)
        #expect(run.stdout.contains("KG410"))
        let sbom = try KoopackBinary.run(["sbom", blank])
        #expect(sbom.status == 2)
        #expect(sbom.stderr.contains("blank.raw"))
    }
}
