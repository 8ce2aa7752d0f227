import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct EncryptionRulesTests {
    @Test func aCMKIDFiresKG104() throws {
        let finding = try #require(Rules.encryptedImage.finding(on: try Cases.clean(metadata: [
            ("__system__cmkid", .string("83cdb52d-9ebf-4469-9cfa-e7b5b80da846"))])))
        #expect(finding.evidence("__system__cmkid") == "83cdb52d-9ebf-4469-9cfa-e7b5b80da846")
    }

    @Test func theEncryptedFlagFiresKG104InEitherSpelling() throws {
        #expect(Rules.encryptedImage.finding(on: try Cases.clean(metadata: [("__system__encrypted", .string("1"))]))?
            .evidence("__system__encrypted") == "1")
        #expect(Rules.encryptedImage.finding(on: try Cases.clean(metadata: [("__system_encrypted", .string("1"))]))?
            .evidence("__system_encrypted") == "1")
    }

    @Test func anEncryptedHeaderFiresKG104() throws {
        var imageCase = try Cases.clean()
        var info = Cases.info()
        info.encrypted = true
        info.encryptionFormat = .luks
        imageCase.info = info
        let finding = try #require(Rules.encryptedImage.finding(on: imageCase))
        #expect(finding.evidence("encrypted") == "true")
        #expect(finding.evidence("encrypt.format") == "luks")
    }

    @Test func aRawLUKSVolumeFiresKG104() throws {
        var imageCase = try Cases.clean()
        imageCase.info = Cases.info(format: "luks")
        #expect(Rules.encryptedImage.finding(on: imageCase)?.evidence("encrypt.format") == "luks")
    }

    @Test func anEmptyCMKIDAndAZeroFlagDoNotFireKG104() throws {
        let imageCase = try Cases.clean(metadata: [("__system__cmkid", .string("")), ("__system__encrypted", .string("0")),
                                                   ("__system_encrypted", .int(0))])
        #expect(!Rules.encryptedImage.fires(on: imageCase))
        #expect(!Classification(imageCase).encrypted)
    }
}
