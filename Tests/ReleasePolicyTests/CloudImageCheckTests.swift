import DiskImage
import Findings
import ImagePackage
import Testing
@testable import ReleasePolicy

/// The IMS-only check and the audit with one seller project per region (`--cloud`).
@Suite struct CloudImageCheckTests {
    static func account(_ images: [(id: String, region: String, owner: String)]) throws -> ImageAccount {
        var account = ImageAccount()
        for image in images {
            let metadata = try IMSMetadata(fields: [("id", .string(image.id)), ("name", .string(image.id)), ("owner", .string(image.owner)),
                                                    ("__imagetype", .string("private")), ("visibility", .string("private")),
                                                    ("status", .string("active")), ("virtual_env_type", .string("FusionCompute")),
                                                    ("min_disk", .int(40))], file: "IMS \(image.region)")
            try account.add(image: metadata, region: image.region, source: "IMS \(image.region)")
        }
        return account
    }

    @Test func eachImageIsJudgedWithItsOwnRegionsProject() throws {
        // The seller's project is p-sg in Singapore and p-jnb in Johannesburg; "other" is not theirs.
        let account = try Self.account([("a", "ap-southeast-3", "p-sg"), ("b", "af-south-1", "p-jnb"),
                                        ("c", "af-south-1", "p-sg"), ("d", "ap-southeast-3", "other")])
        let report = audit(account, register: ReleaseRegister(), owners: ["ap-southeast-3": "p-sg", "af-south-1": "p-jnb"])
        let states = Dictionary(uniqueKeysWithValues: report.entries.map { ($0.id, $0.state) })
        #expect(states == ["a": .releasable, "b": .releasable, "c": .shared, "d": .shared])
        #expect(report.entries.map(\.id) == audit(account, register: ReleaseRegister()).entries.map(\.id))
        // --owner, when given, is the seller's project everywhere.
        let owned = audit(account, register: ReleaseRegister(), owners: ["ap-southeast-3": "p-sg"], sellerOwner: "other")
        #expect(Dictionary(uniqueKeysWithValues: owned.entries.map { ($0.id, $0.state) }) == ["a": .shared, "b": .shared, "c": .shared, "d": .releasable])
        // No projects and no --owner: the plain audit.
        let plain = audit(account, register: ReleaseRegister(), owners: [:])
        #expect(plain.entries.map(\.state) == audit(account, register: ReleaseRegister()).entries.map(\.state))
    }

    @Test func anIMSImageWithNoFileIsJudgedByItsMetadataAndPointsTheScanAtTheECS() throws {
        let metadata = try IMSMetadata(fields: [("id", .string("i-9")), ("__system__cmkid", .string("kms-7")),
                                                ("region", .string("ap-southeast-3"))], file: "IMS ap-southeast-3")
        let input = IMSMetadataOverlay.input(imsImage: metadata, region: "ap-southeast-3")
        let result = ImageCheck.run(imsImage: input, context: CheckContext(scan: true))
        let rules = result.findings.map(\.ruleID)
        #expect(rules.contains(.encryptedImage))
        #expect(!rules.contains(.formatNotAccepted) && !rules.contains(.notSelfContained) && !rules.contains(.headerDamaged))
        #expect(result.findings.first { $0.ruleID == .scanNotDone }?.message.contains("koopack scan --root /") == true)
        #expect(result.info.warnings == [ImageCheck.noFileNote])
        #expect(result.imageCase.info == nil)
    }
}
