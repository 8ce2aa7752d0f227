import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct FirmwareRulesTests {
    func firmware(_ type: String, guest boot: BootMode) throws -> ImageCase {
        var imageCase = try Cases.clean(metadata: [("hw_firmware_type", .string(type))])
        imageCase.guest = GuestFacts(partitionTable: boot == .bios ? .mbr : .gpt, boot: boot, hasFilesystem: true)
        return imageCase
    }

    // KG115 firmware-mismatch

    @Test func uefiAgainstABIOSOnlyGuestFiresKG115() throws {
        let finding = try #require(Rules.firmwareMismatch.finding(on: try firmware("uefi", guest: .bios)))
        #expect(finding.evidence("hw_firmware_type") == "uefi")
        #expect(finding.evidence("guest boot") == "bios")
    }

    @Test func biosAgainstAUEFIOnlyGuestFiresKG115() throws {
        #expect(Rules.firmwareMismatch.fires(on: try firmware("bios", guest: .uefi)))
    }

    @Test func aGuestWithBothBootPathsDoesNotFireKG115() throws {
        #expect(!Rules.firmwareMismatch.fires(on: try firmware("uefi", guest: .biosAndUEFI)))
        #expect(!Rules.firmwareMismatch.fires(on: try firmware("bios", guest: .biosAndUEFI)))
    }

    @Test func matchingOrUnknownFirmwareDoesNotFireKG115() throws {
        #expect(!Rules.firmwareMismatch.fires(on: try firmware("uefi", guest: .uefi)))
        #expect(!Rules.firmwareMismatch.fires(on: try firmware("BIOS", guest: .bios)))
        #expect(!Rules.firmwareMismatch.fires(on: try firmware("uefi", guest: .none)))
        var noGuest = try firmware("uefi", guest: .bios)
        noGuest.guest = nil
        #expect(!Rules.firmwareMismatch.fires(on: noGuest))
    }

    // KG117 release-locks-image

    @Test func anEligiblePrivateImageGetsTheLockNote() throws {
        let finding = try #require(Rules.releaseLocksImage.finding(on: try Cases.clean()))
        #expect(finding.severity == .note)
        #expect(finding.evidence("__imagetype") == "private")
        #expect(finding.remedy?.contains("copy") == true)
    }

    @Test func anImageWithAnErrorGetsNoLockNote() throws {
        #expect(!Rules.releaseLocksImage.fires(on: try Cases.clean(metadata: [("status", .string("saving"))])))
    }

    @Test func warningsDoNotSilenceTheLockNote() throws {
        #expect(Rules.releaseLocksImage.fires(on: try Cases.clean(metadata: [("region", nil)])))
    }

    @Test func aPublicImageGetsNoLockNote() throws {
        let imageCase = try Cases.clean(metadata: [("__imagetype", .string("gold")), ("visibility", .string("public"))])
        #expect(!Rules.releaseLocksImage.fires(on: imageCase))
    }
}
