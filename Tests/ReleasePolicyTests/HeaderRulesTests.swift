import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct HeaderRulesTests {
    func withInfo(_ change: (inout ImageInfo) -> Void) throws -> ImageCase {
        var imageCase = try Cases.clean()
        var info = Cases.info()
        change(&info)
        imageCase.info = info
        return imageCase
    }

    // KG112 not-self-contained

    @Test func aBackingFileFiresKG112() throws {
        let finding = try #require(Rules.notSelfContained.finding(on: try withInfo { $0.backingFilename = "base.qcow2" }))
        #expect(finding.evidence("backing-filename") == "base.qcow2")
    }

    @Test func aParentReferenceFiresKG112() throws {
        let imageCase = try withInfo { $0.format = "vpc"; $0.subformat = "differencing"; $0.parentReference = "parent.vhd (UUID 1b2c...)" }
        #expect(Rules.notSelfContained.finding(on: imageCase)?.evidence("parent") == "parent.vhd (UUID 1b2c...)")
    }

    @Test func anExternalDataFileFiresKG112() throws {
        #expect(Rules.notSelfContained.finding(on: try withInfo { $0.externalDataFile = "web.data" })?.evidence("data-file") == "web.data")
    }

    @Test func aSelfContainedImageDoesNotFireKG112() throws {
        #expect(!Rules.notSelfContained.fires(on: try Cases.clean()))
    }

    // KG113 format-not-accepted

    @Test func parallelsAndDMGFireKG113() throws {
        #expect(Rules.formatNotAccepted.finding(on: try withInfo { $0.format = "parallels" })?.evidence("format") == "parallels")
        #expect(Rules.formatNotAccepted.fires(on: try withInfo { $0.format = "dmg" }))
    }

    @Test func everyIMSFormatIsAccepted() throws {
        for format in ["vpc", "vmdk", "qcow2", "raw", "vhdx", "qed", "vdi", "qcow", "zvhd", "zvhd2", "iso", "VHD"] {
            #expect(!Rules.formatNotAccepted.fires(on: try withInfo { $0.format = format }), "\(format)")
        }
    }

    @Test func withoutAHeaderTheMetadataDiskFormatIsJudged() throws {
        var imageCase = try Cases.clean(metadata: [("disk_format", .string("ova"))])
        imageCase.info = nil
        #expect(Rules.formatNotAccepted.finding(on: imageCase)?.evidence("disk_format") == "ova")
        #expect(!Rules.formatNotAccepted.fires(on: try { var c = try Cases.clean(); c.info = nil; return c }()))
    }

    // KG114 header-damaged

    @Test func aCorruptHeaderFiresKG114WithTheWarnings() throws {
        let imageCase = try withInfo { $0.corrupt = true; $0.warnings = ["L1 table entry 3 points past the end of the file"] }
        let finding = try #require(Rules.headerDamaged.finding(on: imageCase))
        #expect(finding.evidence("corrupt") == "true")
        #expect(finding.evidence("warning") == "L1 table entry 3 points past the end of the file")
    }

    @Test func aDirtyImageFiresKG114() throws {
        #expect(Rules.headerDamaged.finding(on: try withInfo { $0.dirty = true })?.evidence("dirty-flag") == "true")
    }

    @Test func aCleanHeaderWithWarningsOrUnreadDoesNotFireKG114() throws {
        #expect(!Rules.headerDamaged.fires(on: try withInfo { $0.dirty = false; $0.warnings = ["odd but fine"] }))
        #expect(!Rules.headerDamaged.fires(on: try withInfo { $0.format = "zvhd2"; $0.headerRead = false; $0.dirty = nil }))
    }

    @Test func kg114QuotesAtMostFiveWarnings() throws {
        let imageCase = try withInfo { $0.corrupt = true; $0.warnings = (1...50).map { "w\($0)" } }
        #expect(Rules.headerDamaged.finding(on: imageCase)?.evidence.count == 6)
    }

    // KG118 image-not-active

    @Test func aSavingImageFiresKG118() throws {
        let finding = try #require(Rules.imageNotActive.finding(on: try Cases.clean(metadata: [("status", .string("saving"))])))
        #expect(finding.evidence("status") == "saving")
        for status in ["queued", "deleted", "killed"] {
            #expect(Rules.imageNotActive.fires(on: try Cases.clean(metadata: [("status", .string(status))])))
        }
    }

    @Test func anActiveImageOrNoStatusDoesNotFireKG118() throws {
        #expect(!Rules.imageNotActive.fires(on: try Cases.clean()))
        #expect(!Rules.imageNotActive.fires(on: try Cases.clean(metadata: [("status", .string("ACTIVE"))])))
        #expect(!Rules.imageNotActive.fires(on: try Cases.clean(metadata: [("status", nil)])))
    }
}
