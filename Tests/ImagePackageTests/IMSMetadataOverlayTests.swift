import DiskImage
import Testing
@testable import ImagePackage

/// IMS's answer laid over a sidecar (`check --cloud`): IMS wins, each difference is a warning
/// naming both values, and koopack's own `released` key survives.
@Suite struct IMSMetadataOverlayTests {
    static func metadata(_ fields: [(String, JSONValue)], file: String) throws -> IMSMetadata {
        try IMSMetadata(fields: fields, file: file)
    }

    @Test func imsWinsAndEveryDifferenceNamesBothValues() throws {
        let sidecar = try Self.metadata([("id", .string("i-1")), ("status", .string("saving")), ("__whole_image", .string("true")),
                                         ("__system__cmkid", .string("kms-1")), ("released", .bool(true)),
                                         ("region", .string("la-south-2"))], file: "web.json")
        let answer: JSONValue = .object([("id", .string("i-1")), ("status", .string("active")), ("__whole_image", .bool(true))])
        let ims = try IMSMetadataOverlay.metadata(imsImage: answer, region: "ap-southeast-3", source: "IMS ap-southeast-3")
        var input = ImageInput(file: "/nonexistent/web.qcow2", metadata: sidecar)
        input.metadataFile = "web.json"
        let laid = IMSMetadataOverlay.overlay(input, with: ims)
        let merged = try #require(laid.metadata)
        #expect(merged.status == "active")
        #expect(merged["__system__cmkid"] == nil)
        #expect(merged.released == true)
        #expect(merged.region == "ap-southeast-3")
        #expect(laid.metadataFile == "IMS ap-southeast-3 (over web.json)")
        #expect(laid.warnings.contains("web.json says status = saving, IMS says active: IMS's value is used"))
        #expect(laid.warnings.contains("web.json says __system__cmkid = kms-1, IMS has no __system__cmkid: IMS's answer is used"))
        #expect(laid.warnings.contains("web.json says region = la-south-2, IMS says ap-southeast-3: IMS's value is used"))
        // "true" and true are the same answer: no warning.
        #expect(!laid.warnings.contains { $0.contains("__whole_image") })
        #expect(laid.warnings.count == 3)
    }

    @Test func withNoSidecarIMSIsTheMetadataAndNothingIsWarned() throws {
        let ims = try IMSMetadataOverlay.metadata(imsImage: .object([("id", .string("i-2")), ("region", .string("x"))]),
                                                  region: "af-south-1", source: "IMS af-south-1")
        #expect(ims.region == "af-south-1")
        let laid = IMSMetadataOverlay.overlay(ImageInput(file: "/nonexistent/a.raw"), with: ims)
        #expect(laid.metadata?.id == "i-2" && laid.warnings.isEmpty && laid.metadataFile == "IMS af-south-1")
    }

    @Test func anIMSImageHasNoFileToRead() throws {
        let ims = try IMSMetadataOverlay.metadata(imsImage: .object([("id", .string("i-3"))]), region: "la-south-2", source: "IMS la-south-2")
        let input = IMSMetadataOverlay.input(imsImage: ims, region: "la-south-2")
        #expect(input.displayName == "IMS image i-3 (la-south-2)")
        #expect(throws: ImageError.self) { try ImageReport.read(input, readGuest: false) }
    }

    @Test func anAnswerOfTheWrongShapeNamesIMSAndTheKey() throws {
        let error = try #require(throws: ImageError.self) {
            try IMSMetadataOverlay.metadata(imsImage: .object([("id", .string("i-4")), ("min_disk", .string("forty"))]),
                                            region: "la-south-2", source: "IMS la-south-2")
        }
        #expect(error.description.contains("IMS la-south-2") && error.description.contains("min_disk"))
    }
}
