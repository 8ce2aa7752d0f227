import Testing
import DiskImage
import Findings
import ImagePackage
@testable import ReleasePolicy

/// The verdicts DOMAIN.md corrected after a reading of IMS's attribute table, error codes and
/// export and site documents: KG103's two remedies, KG108 on the larger size, KG115's absent
/// field and ARM images, KG122, KG123 and the sites' profiles. Each expectation is the rule
/// text's, worked by hand.
@Suite struct DomainCorrectionRulesTests {
    /// A GPT disk with an EFI system partition (1) and no BIOS boot path: boots with UEFI only.
    static let uefiOnlyGuest = GuestFacts(partitionTable: .gpt, boot: .uefi, hasFilesystem: true, efiSystemPartition: 1)
    /// A GPT disk with a BIOS boot partition (1) and an EFI system partition (2).
    static let hybridGuest = GuestFacts(partitionTable: .gpt, boot: .biosAndUEFI, hasFilesystem: true,
                                        efiSystemPartition: 2, biosBootPartition: 1)

    func imageCase(_ changes: [(String, JSONValue?)], guest: GuestFacts?) throws -> ImageCase {
        var imageCase = try Cases.clean(metadata: changes)
        imageCase.guest = guest
        return imageCase
    }

    // KG115: absent hw_firmware_type means bios.

    @Test func aUEFIOnlyGuestWithNoFirmwareFieldFiresKG115NamingWhatTheDiskHolds() throws {
        let finding = try #require(Rules.firmwareMismatch.finding(
            on: try imageCase([("hw_firmware_type", nil)], guest: Self.uefiOnlyGuest)))
        #expect(finding.severity == .error)
        #expect(finding.evidence("hw_firmware_type") == "absent (bios)")
        let seen = try #require(finding.evidence("seen on the disk"))
        #expect(seen.contains("EFI system partition 1"))
        #expect(seen.contains("no BIOS boot partition"))
        #expect(seen.contains("no MBR boot code"))
    }

    @Test func aHybridGuestWithNoFirmwareFieldPasses() throws {
        #expect(!Rules.firmwareMismatch.fires(on: try imageCase([("hw_firmware_type", nil)], guest: Self.hybridGuest)))
        #expect(!Rules.firmwareMismatch.fires(on: try imageCase([("hw_firmware_type", .string("uefi"))], guest: Self.hybridGuest)))
    }

    @Test func anARMImageThatIsNotUEFIFiresKG115WhateverTheDisk() throws {
        let arm = try #require(Rules.firmwareMismatch.finding(
            on: try imageCase([("__support_arm", .string("true"))], guest: Self.hybridGuest)))
        #expect(arm.evidence("__support_arm") == "true")
        #expect(arm.evidence("hw_firmware_type") == "bios")
        let aarch64 = try #require(Rules.firmwareMismatch.finding(
            on: try imageCase([("hw_firmware_type", nil), ("architecture", .string("aarch64"))], guest: nil)))
        #expect(aarch64.evidence("architecture") == "aarch64")
        #expect(aarch64.evidence("hw_firmware_type") == "absent (bios)")
    }

    @Test func anARMImageUnderUEFIAndAnX86ImageUnderBIOSPass() throws {
        #expect(!Rules.firmwareMismatch.fires(on: try imageCase(
            [("__support_arm", .bool(true)), ("architecture", .string("arm64")), ("hw_firmware_type", .string("uefi"))],
            guest: Self.uefiOnlyGuest)))
        #expect(!Rules.firmwareMismatch.fires(on: try imageCase(
            [("__support_arm", .string("false")), ("architecture", .string("x86_64"))], guest: Cases.biosGuest)))
    }

    // KG103: who owns the shared image decides the remedy.

    @Test func anImageTheSellerSharedOutIsToldToDropItsMembersNotToRebuild() throws {
        let finding = try #require(Rules.sharedImage.finding(on: try Cases.clean(metadata: [
            ("__imagetype", .string("shared")), ("visibility", .string("shared"))])))
        #expect(finding.remedy?.contains("share members") == true)
        #expect(finding.remedy?.contains("public image") == false)
        #expect(finding.evidence("owner") == "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03")
    }

    @Test func anImageOwnedByAnotherProjectIsToldToBuildFromAPublicImage() throws {
        let finding = try #require(Rules.sharedImage.finding(on: try Cases.clean(metadata: [
            ("owner", .string("7e4b2a9c1d3f5e8a6b0c2d4f6a8e1c3b"))])))
        #expect(finding.remedy?.contains("public image") == true)
        #expect(finding.remedy?.contains("share members") == false)
        #expect(finding.evidence("--owner") == "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03")
    }

    // KG108: the larger of the local files and IMS's __image_size.

    @Test func aSmallExportDoesNotClearAnIMSImageOverTheLimit() throws {
        var imageCase = try Cases.clean(metadata: [("__image_size", .string("140000000000"))])
        imageCase.packageBytes = 40 << 20
        let finding = try #require(Rules.packageTooLarge.finding(on: imageCase))
        #expect(finding.evidence("package bytes") == String(40 << 20))
        #expect(finding.evidence("__image_size") == "140000000000")
        #expect(!Rules.packageNearLimit.fires(on: imageCase))
    }

    @Test func anIMSImageUnder128GBWithASmallExportPasses() throws {
        var imageCase = try Cases.clean(metadata: [("__image_size", .string("120000000000"))])
        imageCase.packageBytes = 40 << 20
        #expect(!Rules.packageTooLarge.fires(on: imageCase))
        #expect(!Rules.packageNearLimit.fires(on: imageCase))
    }

    @Test func localFilesOverTheLimitFireWhateverIMSSays() throws {
        var imageCase = try Cases.clean(metadata: [("__image_size", .string("120000000000"))])
        imageCase.packageBytes = 137_438_953_473
        let finding = try #require(Rules.packageTooLarge.finding(on: imageCase))
        #expect(finding.evidence("package bytes") == "137438953473")
        #expect(finding.evidence("__image_size") == "120000000000")
    }

    // KG122: an image known only by its ID is unchecked.

    @Test func anImageKnownOnlyByIDIsUncheckedNeverEligible() {
        let idOnly = ImageCase(fileName: "IMS image 3f6c2a1e", releaseFileRegions: ["CN-Hong Kong"])
        let findings = evaluate(idOnly, profile: .kooGallery)
        #expect(findings.map(\.ruleID) == [.metadataMissing])
        #expect(findings.first?.severity == .warning)
        #expect(Verdict(findings: findings) == .unchecked)
        #expect(Verdict(findings: findings).isEligible)
        #expect(Verdict(findings: findings, strict: true) == .notEligible)
    }

    @Test func anImageWithMetadataOrAFileIsNotUnchecked() throws {
        #expect(!Rules.metadataMissing.fires(on: try Cases.clean()))
        var fileOnly = try Cases.clean()
        fileOnly.metadata = nil
        #expect(!Rules.metadataMissing.fires(on: fileOnly))
    }

    // KG123: IMS cannot export it.

    @Test func windowsSUSERedHatOracleAndMarketImagesGetTheNotExportableNote() throws {
        for platform in ["Windows", "SUSE", "Red Hat", "RedHat", "Oracle Linux"] {
            let finding = try #require(Rules.notExportable.finding(on: try Cases.clean(metadata: [("__platform", .string(platform))])),
                                       "\(platform)")
            #expect(finding.severity == .note)
            #expect(finding.evidence("__platform") == platform)
            #expect(finding.remedy?.contains("koopack scan --root") == true)
        }
        let market = try #require(Rules.notExportable.finding(on: try Cases.clean(metadata: [("__productcode", .string("00301-112233-0--0"))])))
        #expect(market.evidence("__productcode") == "00301-112233-0--0")
    }

    @Test func anUbuntuImageGetsNoNotExportableNote() throws {
        #expect(!Rules.notExportable.fires(on: try Cases.clean()))
        #expect(!Rules.notExportable.fires(on: try Cases.clean(metadata: [("__platform", .string("CentOS"))])))
    }

    // Sites.

    @Test func theEUSiteAllowsOnlyDublinAndAnswersOnMyhuaweicloudEU() {
        let eu = PolicyProfile.site(.eu)
        #expect(eu.allowedRegions == ["eu-west-101"])
        #expect(eu.endpointDomain == "myhuaweicloud.eu")
        #expect(PolicyProfile.site(.international) == .kooGallery)
        #expect(PolicyProfile.kooGallery.allowedRegions.count == 8)
        #expect(PolicyProfile.kooGallery.endpointDomain == "myhuaweicloud.com")
        #expect(Regions.normalizedID("EU-Dublin") == "eu-west-101")
    }

    @Test func anImageInDublinPassesOnTheEUSiteAndSingaporeDoesNot() throws {
        let dublin = try Cases.clean(metadata: [("region", .string("eu-west-101"))])
        #expect(!Rules.regionNotAllowed.fires(on: dublin, profile: .site(.eu)))
        #expect(Rules.regionNotAllowed.fires(on: dublin, profile: .site(.international)))
        let singapore = try Cases.clean()
        #expect(Rules.regionNotAllowed.fires(on: singapore, profile: .site(.eu)))
    }

    @Test func aPolicyFileOverridesTheSiteItIsLoadedOver() throws {
        let profile = try PolicyProfile.load(yaml: "max-package-bytes: 1000\nnear-limit-bytes: 900\n", file: "p.yaml", base: .site(.eu))
        #expect(profile.allowedRegions == ["eu-west-101"])
        #expect(profile.maxPackageBytes == 1000)
        let regions = try PolicyProfile.load(yaml: "allowed-regions: [AP-Singapore]\n", file: "p.yaml", base: .site(.eu))
        #expect(regions.allowedRegions == ["ap-southeast-3"])
    }
}
