import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct SizeRulesTests {
    func sized(_ bytes: UInt64) throws -> ImageCase {
        var imageCase = try Cases.clean()
        imageCase.packageBytes = bytes
        return imageCase
    }

    // KG108 package-too-large

    @Test func exactly128GiBDoesNotFireKG108() throws {
        #expect(!Rules.packageTooLarge.fires(on: try sized(137_438_953_472)))
    }

    @Test func oneByteOver128GiBFiresKG108() throws {
        let finding = try #require(Rules.packageTooLarge.finding(on: try sized(137_438_953_473)))
        #expect(finding.evidence("package bytes") == "137438953473")
        #expect(finding.message.contains("137,438,953,473 bytes"))
        #expect(!Rules.packageNearLimit.fires(on: try sized(137_438_953_473)))
    }

    @Test func theImageSizeFieldStandsInWhenThePackageSizeIsUnknown() throws {
        let imageCase = try Cases.clean(metadata: [("__image_size", .string("137438953473"))])
        var unknownPackage = imageCase
        unknownPackage.packageBytes = 0
        #expect(Rules.packageTooLarge.finding(on: unknownPackage)?.evidence("__image_size") == "137438953473")
        // Both known: the larger (IMS's) is judged, and the evidence names both.
        let both = try #require(Rules.packageTooLarge.finding(on: imageCase))
        #expect(both.evidence("package bytes") == String(imageCase.packageBytes))
        #expect(both.evidence("__image_size") == "137438953473")
    }

    @Test func aProfileLowersTheLimit() throws {
        var profile = PolicyProfile.kooGallery
        profile.maxPackageBytes = 1 << 30
        profile.nearLimitBytes = 1 << 29
        #expect(Rules.packageTooLarge.fires(on: try sized((1 << 30) + 1), profile: profile))
        // The clean case's __image_size (2 GiB) is over this limit: only the files are judged here.
        var exactly = try sized(1 << 30)
        exactly.metadata = try Cases.metadata([("__image_size", nil)])
        #expect(Rules.packageNearLimit.fires(on: exactly, profile: profile))
    }

    // KG109 package-near-limit

    @Test func exactly128GBDoesNotFireKG109() throws {
        #expect(!Rules.packageNearLimit.fires(on: try sized(128_000_000_000)))
    }

    @Test func oneByteOver128GBFiresKG109() throws {
        let finding = try #require(Rules.packageNearLimit.finding(on: try sized(128_000_000_001)))
        #expect(finding.severity == .warning)
        #expect(finding.evidence("package bytes") == "128000000001")
        #expect(Rules.packageNearLimit.fires(on: try sized(137_438_953_472)))
    }

    // KG116 min-disk-too-small

    @Test func minDiskEqualToTheVirtualSizeDoesNotFireKG116() throws {
        #expect(!Rules.minDiskTooSmall.fires(on: try Cases.clean()))  // 40 GB, 40 GiB disk
    }

    @Test func minDiskBelowTheVirtualSizeFiresKG116() throws {
        let finding = try #require(Rules.minDiskTooSmall.finding(on: try Cases.clean(metadata: [("min_disk", .int(39))])))
        #expect(finding.evidence("min_disk") == "39")
        #expect(finding.evidence("virtual-size") == "42949672960")
    }

    @Test func aVirtualSizeOneByteOverMinDiskFiresKG116() throws {
        var imageCase = try Cases.clean()
        imageCase.info = Cases.info(virtualSize: (40 << 30) + 1)
        #expect(Rules.minDiskTooSmall.fires(on: imageCase))
    }

    @Test func minDiskAsANumericStringIsCompared() throws {
        #expect(Rules.minDiskTooSmall.fires(on: try Cases.clean(metadata: [("min_disk", .string("20"))])))
        #expect(!Rules.minDiskTooSmall.fires(on: try Cases.clean(metadata: [("min_disk", .string("50"))])))
    }

    @Test func anAbsurdMinDiskDoesNotOverflow() throws {
        let imageCase = try Cases.clean(metadata: [("min_disk", .uint(UInt64.max))])
        #expect(!Rules.minDiskTooSmall.fires(on: imageCase))
        #expect(Rules.diskSizeOutOfRange.fires(on: imageCase))
    }

    // KG121 disk-size-out-of-range

    @Test func minDiskOf40DoesNotFireKG121() throws {
        #expect(!Rules.diskSizeOutOfRange.fires(on: try Cases.clean(metadata: [("min_disk", .int(40))])))
        #expect(!Rules.diskSizeOutOfRange.fires(on: try Cases.clean(metadata: [("min_disk", .int(1024))])))
    }

    @Test func minDiskOf39FiresKG121() throws {
        let finding = try #require(Rules.diskSizeOutOfRange.finding(on: try Cases.clean(metadata: [("min_disk", .int(39))])))
        #expect(finding.evidence("min_disk") == "39")
    }

    @Test func minDiskOf1025FiresKG121() throws {
        #expect(Rules.diskSizeOutOfRange.finding(on: try Cases.clean(metadata: [("min_disk", .int(1025))]))?.evidence("min_disk") == "1025")
    }

    @Test func aVirtualSizeOver1024GBFiresKG121() throws {
        var imageCase = try Cases.clean(metadata: [("min_disk", .int(1024))])
        imageCase.info = Cases.info(virtualSize: 1 << 40)
        #expect(!Rules.diskSizeOutOfRange.fires(on: imageCase))
        imageCase.info = Cases.info(virtualSize: (1 << 40) + 1)
        #expect(Rules.diskSizeOutOfRange.finding(on: imageCase)?.evidence("virtual-size") == "1099511627777")
    }
}
