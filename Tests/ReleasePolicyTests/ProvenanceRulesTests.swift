import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct ProvenanceRulesTests {
    // KG103 shared-image

    @Test func aSharedImageTypeFiresKG103() throws {
        let finding = try #require(Rules.sharedImage.finding(on: try Cases.clean(metadata: [("__imagetype", .string("shared"))])))
        #expect(finding.evidence("__imagetype") == "shared")
    }

    @Test func sharedVisibilityFiresKG103() throws {
        let finding = try #require(Rules.sharedImage.finding(on: try Cases.clean(metadata: [("visibility", .string("shared"))])))
        #expect(finding.evidence("visibility") == "shared")
    }

    @Test func anotherProjectsOwnerFiresKG103() throws {
        var imageCase = try Cases.clean()
        imageCase.sellerOwner = "5e7a2c9b1d4f4e6a8b3c0d2e1f9a7b6c"
        let finding = try #require(Rules.sharedImage.finding(on: imageCase))
        #expect(finding.evidence("owner") == "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03")
        #expect(finding.evidence("--owner") == "5e7a2c9b1d4f4e6a8b3c0d2e1f9a7b6c")
    }

    @Test func thesellersOwnPrivateImageDoesNotFireKG103() throws {
        var imageCase = try Cases.clean()
        #expect(!Rules.sharedImage.fires(on: imageCase))
        imageCase.sellerOwner = nil  // owner unknown: nothing to compare
        #expect(!Rules.sharedImage.fires(on: imageCase))
    }

    // KG105 released-image

    @Test func anImageInTheReleaseRegisterFiresKG105() throws {
        var imageCase = try Cases.clean(metadata: [("protected", .bool(true))])
        imageCase.releasedIDs = ["8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43"]
        let finding = try #require(Rules.releasedImage.finding(on: imageCase))
        #expect(finding.evidence("id") == "8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43")
        #expect(finding.evidence("protected") == "true")
    }

    @Test func theReleasedSidecarKeyFiresKG105() throws {
        let finding = try #require(Rules.releasedImage.finding(on: try Cases.clean(metadata: [("released", .bool(true))])))
        #expect(finding.evidence("released") == "true")
    }

    @Test func aPrivateImageWhoseProductCodeWasReleasedFiresKG105NotKG106() throws {
        var imageCase = try Cases.clean(metadata: [("__productcode", .string("OFFI8234567890123456"))])
        imageCase.releasedIDs = ["OFFI8234567890123456"]
        #expect(Rules.releasedImage.finding(on: imageCase)?.evidence("__productcode") == "OFFI8234567890123456")
        #expect(!Rules.marketDerived.fires(on: imageCase))
    }

    @Test func anUnreleasedImageDoesNotFireKG105() throws {
        var imageCase = try Cases.clean(metadata: [("released", .bool(false)), ("protected", .bool(true))])
        imageCase.releasedIDs = ["1e9d7c5b-3a2f-4e8d-b6c4-0f1a2b3c4d5e"]
        #expect(!Rules.releasedImage.fires(on: imageCase))
    }

    // KG106 market-derived

    @Test func aProductCodeOnAnUnreleasedImageFiresKG106() throws {
        let finding = try #require(Rules.marketDerived.finding(on: try Cases.clean(metadata: [
            ("__productcode", .string("OFFI8234567890123456"))])))
        #expect(finding.evidence("__productcode") == "OFFI8234567890123456")
    }

    @Test func aMarketImageTypeFiresKG106() throws {
        #expect(Rules.marketDerived.fires(on: try Cases.clean(metadata: [("__imagetype", .string("market"))])))
    }

    @Test func aReleasedParentFiresKG106() throws {
        var imageCase = try Cases.clean()
        imageCase.releasedIDs = ["b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58"]
        #expect(Rules.marketDerived.finding(on: imageCase)?.evidence("__originalimagename") == "b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58")
    }

    @Test func anEmptyProductCodeDoesNotFireKG106() throws {
        #expect(!Rules.marketDerived.fires(on: try Cases.clean()))
        #expect(!Rules.marketDerived.fires(on: try Cases.clean(metadata: [("__productcode", nil)])))
    }

    // KG107 external-origin

    @Test func aFileRootOriginFiresKG107() throws {
        let finding = try #require(Rules.externalOrigin.finding(on: try Cases.clean(metadata: [
            ("__root_origin", .string("file")),
            ("__data_origin", .string("file,obs://images-bucket/web.qcow2"))])))
        #expect(finding.evidence("__root_origin") == "file")
        #expect(finding.evidence("__data_origin") == "file,obs://images-bucket/web.qcow2")
    }

    @Test func anInstanceOriginDoesNotFireKG107() throws {
        #expect(!Rules.externalOrigin.fires(on: try Cases.clean()))
        #expect(!Rules.externalOrigin.fires(on: try Cases.clean(metadata: [("__data_origin", .string("image,ap-southeast-1,b7e1c0a4"))])))
        #expect(!Rules.externalOrigin.fires(on: try Cases.clean(metadata: [("__data_origin", .string("filesystem,x"))])))
    }

    // KG120 market-not-supported

    @Test func supportMarketFalseFiresKG120AsBooleanOrString() throws {
        #expect(Rules.marketNotSupported.finding(on: try Cases.clean(metadata: [("__system_support_market", .bool(false))]))?
            .evidence("__system_support_market") == "false")
        #expect(Rules.marketNotSupported.fires(on: try Cases.clean(metadata: [("__system_support_market", .string("false"))])))
    }

    @Test func supportMarketTrueOrAbsentDoesNotFireKG120() throws {
        #expect(!Rules.marketNotSupported.fires(on: try Cases.clean()))
        #expect(!Rules.marketNotSupported.fires(on: try Cases.clean(metadata: [("__system_support_market", nil)])))
    }
}
