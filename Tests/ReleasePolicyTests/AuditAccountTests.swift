import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

/// Image objects for the audit tests: the clean private image of the rule tests, under other IDs
/// and names, with changes.
enum AuditImages {
    static let seller = "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03"
    static let partner = "5e7a2c9b1d4f4e6a8b3c0d2e1f9a7b6c"

    /// A UUID-shaped image ID made from `n`.
    static func id(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return "8c2a4e1f-7b3d-4f6a-9e21-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    /// The clean image's fields (without a `region` key) as image `n`, named `name`, with
    /// `changes` applied (nil removes a key).
    static func fields(_ n: Int, _ name: String, _ changes: [(String, JSONValue?)] = []) -> [(String, JSONValue)] {
        var fields = Cases.cleanFields.filter { $0.0 != "region" }
        let all: [(String, JSONValue?)] = [("id", .string(id(n))), ("name", .string(name))] + changes
        for (key, value) in all {
            if let value {
                if let i = fields.firstIndex(where: { $0.0 == key }) { fields[i].1 = value } else { fields.append((key, value)) }
            } else {
                fields.removeAll { $0.0 == key }
            }
        }
        return fields
    }

    /// `{"images": [...]}` of `images`, as bytes.
    static func listDocument(_ images: [[(String, JSONValue)]]) -> [UInt8] {
        Array(JSONValue.object([("images", .array(images.map { .object($0) }))]).serialized().utf8)
    }

    /// An account of `images` read from one list file named `file`.
    static func account(_ images: [[(String, JSONValue)]], file: String = "images-ap-southeast-3.json") throws -> ImageAccount {
        var account = ImageAccount()
        try account.add(document: listDocument(images), file: file)
        return account
    }
}

@Suite struct AuditAccountTests {
    @Test func aListResponseAddsEveryImageWithTheRegionOfItsFileName() throws {
        let account = try AuditImages.account([AuditImages.fields(1, "a"), AuditImages.fields(2, "b")])
        #expect(account.images.map(\.id) == [AuditImages.id(1), AuditImages.id(2)])
        #expect(account.images.allSatisfy { $0.region == "ap-southeast-3" })
        #expect(account.images.map(\.position) == [1, 2])
        #expect(account.warnings.isEmpty)
    }

    @Test func aBareArrayAndASingleObjectAreImageListsToo() throws {
        var account = ImageAccount()
        let array = JSONValue.array([.object(AuditImages.fields(1, "a"))]).serialized()
        try account.add(document: Array(array.utf8), file: "af-south-1.json")
        let single = JSONValue.object(AuditImages.fields(2, "b")).serialized()
        try account.add(document: Array(single.utf8), file: "AP-Singapore.json")
        #expect(account.image(id: AuditImages.id(1))?.region == "af-south-1")
        #expect(account.image(id: AuditImages.id(2))?.region == "ap-southeast-3")
    }

    @Test func documentsReadApartAndAddedInOrderMakeTheSameAccount() throws {
        let first = AuditImages.listDocument([AuditImages.fields(1, "a"), AuditImages.fields(2, "b", [("id", nil)]),
                                              AuditImages.fields(3, "c", [("min_disk", .string("forty"))])])
        let second = AuditImages.listDocument([AuditImages.fields(1, "a", [("min_disk", .int(80))]), AuditImages.fields(4, "d")])
        var together = ImageAccount()
        try together.add(document: first, file: "images-af-south-1.json")
        try together.add(document: second, file: "images-la-south-2.json")
        let documents = [try ImageAccount.read(document: first, file: "images-af-south-1.json"),
                         try ImageAccount.read(document: second, file: "images-la-south-2.json")]
        var apart = ImageAccount()
        for document in documents { try apart.add(document) }
        #expect(apart.images.map(\.id) == together.images.map(\.id))
        #expect(apart.images.map(\.region) == together.images.map(\.region))
        #expect(apart.warnings == together.warnings)
        #expect(together.warnings.count == 3)
    }

    @Test func fileNamesNameRegionsByIDOrConsoleName() {
        #expect(ImageAccount.region(fromFileName: "exports/images-ap-southeast-3.json") == "ap-southeast-3")
        #expect(ImageAccount.region(fromFileName: "ap-southeast-3.json") == "ap-southeast-3")
        #expect(ImageAccount.region(fromFileName: "AP-Singapore.json") == "ap-southeast-3")
        #expect(ImageAccount.region(fromFileName: "cn_hong_kong.json") == "ap-southeast-1")
        #expect(ImageAccount.region(fromFileName: "LA-Mexico City2.json") == "la-north-2")
        // Near misses: no region, a longer token, two regions.
        #expect(ImageAccount.region(fromFileName: "images.json") == nil)
        #expect(ImageAccount.region(fromFileName: "images-ap-southeast-30.json") == nil)
        #expect(ImageAccount.region(fromFileName: "af-south-1-to-la-south-2.json") == nil)
    }

    @Test func theRegionKeyOfTheImageOrDocumentBeatsTheFileName() throws {
        var account = ImageAccount()
        let doc = JSONValue.object([
            ("region", .string("LA-Santiago")),
            ("images", .array([.object(AuditImages.fields(1, "a")),
                               .object(AuditImages.fields(2, "b", [("region", .string("af-south-1"))]))])),
        ]).serialized()
        try account.add(document: Array(doc.utf8), file: "images-ap-southeast-3.json")
        #expect(account.image(id: AuditImages.id(1))?.region == "la-south-2")
        #expect(account.image(id: AuditImages.id(2))?.region == "af-south-1")
        #expect(account.warnings.isEmpty)
    }

    @Test func anExplicitRegionBeatsEverythingAndWarnsWhenTheImageDisagrees() throws {
        var account = ImageAccount()
        let images = [AuditImages.fields(1, "a"), AuditImages.fields(2, "b", [("region", .string("af-south-1"))])]
        try account.add(document: AuditImages.listDocument(images), file: "images-ap-southeast-3.json", region: "LA-Santiago")
        #expect(account.images.allSatisfy { $0.region == "la-south-2" })
        #expect(account.warnings.count == 1)
        #expect(account.warnings.first?.message.contains(AuditImages.id(2)) == true)
        #expect(account.warnings.first?.message.contains("af-south-1") == true)
    }

    @Test func aFileThatIsNotJSONIsAnErrorNamingTheFileLineAndColumn() {
        var account = ImageAccount()
        let text = "{\n  \"images\": [\n    {\"id\": 'x'}\n  ]\n}\n"
        #expect {
            try account.add(document: Array(text.utf8), file: "images-af-south-1.json")
        } throws: { error in
            guard let error = error as? ImageError else { return false }
            return error.file == "images-af-south-1.json" && error.message.contains("line 3, column 12") && error.kind == .invalid
        }
        #expect(account.images.isEmpty)
    }

    @Test func aDocumentOfTheWrongShapeIsAnError() {
        var account = ImageAccount()
        #expect(throws: ImageError.self) { try account.add(document: Array("\"images\"".utf8), file: "x.json") }
    }

    @Test func anImageWithoutAnIDIsSkippedWithAWarningNamingFilePositionAndName() throws {
        let account = try AuditImages.account([AuditImages.fields(1, "a"), AuditImages.fields(2, "draft", [("id", nil)]),
                                               AuditImages.fields(3, "c", [("id", .string(""))])],
                                              file: "images-la-south-2.json")
        #expect(account.images.map(\.id) == [AuditImages.id(1)])
        #expect(account.warnings.count == 2)
        let first = try #require(account.warnings.first)
        #expect(first.file == "images-la-south-2.json")
        #expect(first.message.contains("image 2") && first.message.contains("\"draft\"") && first.message.contains("no id"))
        #expect(account.warnings[1].message.contains("image 3"))
    }

    @Test func anImageWithAKeyOfTheWrongTypeIsSkippedWithAWarning() throws {
        let account = try AuditImages.account([AuditImages.fields(1, "a", [("min_disk", .string("forty"))]),
                                               AuditImages.fields(2, "b")])
        #expect(account.images.map(\.id) == [AuditImages.id(2)])
        #expect(account.warnings.first?.message.contains("min_disk") == true)
        #expect(account.warnings.first?.message.contains("image 1") == true)
    }

    @Test func duplicateIDsWithDifferentFactsWarnNamingBothFiles() throws {
        var account = ImageAccount()
        try account.add(document: AuditImages.listDocument([AuditImages.fields(1, "a")]), file: "images-ap-southeast-3.json")
        try account.add(document: AuditImages.listDocument([AuditImages.fields(1, "a", [("status", .string("deleted"))])]),
                        file: "old/images-ap-southeast-3.json")
        #expect(account.images.count == 1)
        #expect(account.image(id: AuditImages.id(1))?.metadata.status == "active")
        let warning = try #require(account.warnings.first)
        #expect(account.warnings.count == 1)
        #expect(warning.message.contains(AuditImages.id(1)))
        #expect(warning.message.contains("images-ap-southeast-3.json") && warning.message.contains("old/images-ap-southeast-3.json"))
    }

    @Test func identicalDuplicatesMergeSilentlyWhateverTheKeyOrder() throws {
        var account = ImageAccount()
        let fields = AuditImages.fields(1, "a")
        try account.add(document: AuditImages.listDocument([fields]), file: "images-ap-southeast-3.json")
        try account.add(document: AuditImages.listDocument([fields.reversed()]), file: "again/ap-southeast-3.json")
        #expect(account.images.count == 1)
        #expect(account.warnings.isEmpty)
    }

    @Test func aSidecarImageIsAddedWithItsRegion() throws {
        var account = ImageAccount()
        let metadata = try IMSMetadata(fields: AuditImages.fields(1, "web"), file: "web.json")
        try account.add(image: metadata, region: "AF-Johannesburg", source: "web.json")
        #expect(account.image(id: AuditImages.id(1))?.region == "af-south-1")
        #expect(account.image(id: AuditImages.id(1))?.source == "web.json")
    }

    @Test func aFileOverTheImageCapIsRefused() {
        var account = ImageAccount()
        let count = ImageAccount.maximumImagesPerFile + 1
        let text = "[" + Array(repeating: "{}", count: count).joined(separator: ",") + "]"
        #expect {
            try account.add(document: Array(text.utf8), file: "big.json")
        } throws: { error in
            guard let error = error as? ImageError else { return false }
            return error.kind == .limit && error.file == "big.json"
                && error.message.contains("\(ImageAccount.maximumImagesPerFile)")
        }
    }
}
