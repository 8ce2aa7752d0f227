import Testing
import DiskImage
@testable import ImagePackage

/// IMS objects shaped like `GET /v2/cloudimages` output.
enum IMSSamples {
    /// A private system disk image made from an ECS built on a public Ubuntu image.
    static let privateUbuntu = """
        {
            "schema": "/v2/schemas/image",
            "min_disk": 40,
            "created_at": "2024-05-14T08:21:37Z",
            "__image_source_type": "uds",
            "container_format": "bare",
            "file": "/v2/images/8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43/file",
            "updated_at": "2024-05-14T08:29:02Z",
            "protected": false,
            "checksum": "d41d8cd98f00b204e9800998ecf8427e",
            "id": "8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43",
            "__isregistered": "true",
            "min_ram": 1024,
            "__lazyloading": "true",
            "owner": "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03",
            "__os_type": "Linux",
            "__imagetype": "private",
            "visibility": "private",
            "virtual_env_type": "FusionCompute",
            "tags": [],
            "__platform": "Ubuntu",
            "size": 0,
            "__os_bit": "64",
            "__os_version": "Ubuntu 22.04 server 64bit",
            "name": "web-ubuntu2204",
            "self": "/v2/images/8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43",
            "disk_format": "zvhd2",
            "virtual_size": 0,
            "hw_firmware_type": "bios",
            "status": "active",
            "__image_size": "2147483648",
            "__data_origin": "instance,4f1e7a9c-2b6d-4c3e-8a5f-1d9b0e7c6a21",
            "__originalimagename": "b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58",
            "__backup_id": "",
            "__productcode": "",
            "__whole_image": false,
            "__system_support_market": true,
            "__root_origin": "",
            "__support_kvm": "true",
            "__support_xen": "false"
        }
        """

    /// A full-ECS image made from a CBR backup, as some CLI dumps print it (strings for booleans).
    static let wholeFromBackup = """
        {
            "id": "1e9d7c5b-3a2f-4e8d-b6c4-0f1a2b3c4d5e",
            "name": "erp-full-ecs",
            "owner": "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03",
            "__imagetype": "private",
            "visibility": "private",
            "__whole_image": "true",
            "__backup_id": "c3b2a1f0-9e8d-4c7b-a6f5-e4d3c2b1a0f9",
            "__data_origin": "server_backup,c3b2a1f0-9e8d-4c7b-a6f5-e4d3c2b1a0f9",
            "virtual_env_type": "FusionCompute",
            "__system__cmkid": "83cdb52d-9ebf-4469-9cfa-e7b5b80da846",
            "__system_encrypted": "1",
            "__image_size": 53687091200,
            "min_disk": "100",
            "min_ram": "4096",
            "__os_bit": 64,
            "__system_support_market": "false",
            "status": "saving",
            "hw_firmware_type": "uefi",
            "region": "ap-southeast-3",
            "released": true
        }
        """

    static func document(_ text: String) -> [UInt8] { Array(text.utf8) }
}

@Suite struct IMSMetadataTests {
    func single(_ text: String, file: String = "web.json") throws -> IMSMetadata {
        let images = try IMSMetadata.parseDocument(IMSSamples.document(text), file: file)
        #expect(images.count == 1)
        return try #require(images.first)
    }

    func failure(_ text: String, file: String = "web.json") -> String {
        do {
            _ = try IMSMetadata.parseDocument(IMSSamples.document(text), file: file)
            Issue.record("expected an error")
            return ""
        } catch {
            return String(describing: error)
        }
    }

    @Test func aPrivateImageObjectReadsEveryTypedField() throws {
        let image = try single(IMSSamples.privateUbuntu)
        #expect(image.id == "8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43")
        #expect(image.name == "web-ubuntu2204")
        #expect(image.owner == "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03")
        #expect(image.imageType == "private")
        #expect(image.visibility == "private")
        #expect(image.wholeImage == false)
        #expect(image.backupID == nil)  // empty string reads as absent
        #expect(image.virtualEnvType == "FusionCompute")
        #expect(image.cmkID == nil)
        #expect(image.encryptedFlag == nil)
        #expect(image.productCode == nil)
        #expect(image.supportMarket == true)
        #expect(image.isOffshelved == nil)
        #expect(image.accountCode == nil)
        #expect(image.protected == false)
        #expect(image.originalImageName == "b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58")
        #expect(image.dataOrigin == "instance,4f1e7a9c-2b6d-4c3e-8a5f-1d9b0e7c6a21")
        #expect(image.rootOrigin == nil)
        #expect(image.imageSize == 2_147_483_648)
        #expect(image.diskFormat == "zvhd2")
        #expect(image.minDisk == 40)
        #expect(image.minRam == 1024)
        #expect(image.osType == "Linux")
        #expect(image.osVersion == "Ubuntu 22.04 server 64bit")
        #expect(image.platform == "Ubuntu")
        #expect(image.osBit == "64")
        #expect(image.firmwareType == "bios")
        #expect(image.status == "active")
        #expect(image.region == nil)
        #expect(image.released == nil)
        #expect(image.file == "web.json")
    }

    @Test func everyKnownKeyIsFoundByItsNameAndNoOtherNameIsFound() {
        for key in IMSKey.allCases {
            #expect(IMSField.key(named: key.name) == key, "\(key.name)")
            #expect(IMSField.key(named: key.name.uppercased()) == nil)
            #expect(IMSField.key(named: key.name + " ") == nil)
            #expect(IMSField.key(named: String(key.name.dropLast())) == nil)
        }
        for name in ["", "K", "\u{212A}", "__support_armv", "arch", "schema", "idé", "ïd"] {
            #expect(IMSField.key(named: name) == nil, "\(name)")
        }
        // IMSMetadata marks the keys it has met in the bits of a UInt64.
        #expect(IMSKey.allCases.count < 64)
        // The table's names are ASCII, and none has a character a non-ASCII one equals.
        #expect(IMSKey.allCases.allSatisfy { ASCIIDigest.of($0.name) != nil && !$0.name.contains { "K;`".contains($0) } })
    }

    @Test func unknownKeysAreKeptInOrder() throws {
        let image = try single(IMSSamples.privateUbuntu)
        #expect(image.fields.first?.0 == "schema")
        #expect(image.fields.count == 39)
        #expect(image["__support_kvm"] == .string("true"))
        #expect(image["tags"] == .array([]))
        let unknown = image.unknownFields.map(\.0)
        #expect(unknown.contains("checksum"))
        #expect(unknown.contains("__lazyloading"))
        #expect(!unknown.contains("min_disk"))
    }

    @Test func keysReadAsGivenAreTheSameValuesTheSubscriptGives() throws {
        let image = try single("""
            {"id": "a", "__support_arm": "True", "architecture": "aarch64", "__lazyloading": false, "other": 1}
            """)
        #expect(image.supportARMValue == image["__support_arm"] && image.supportARMValue == .string("True"))
        #expect(image.architectureValue == .string("aarch64"))
        #expect(image.lazyLoadingValue == .bool(false))
        let bare = try single("{\"id\": \"b\", \"__support_arm\": null, \"architecture\": 7}")
        #expect(bare.supportARMValue == nil && bare.lazyLoadingValue == nil)
        #expect(bare.architectureValue == .int(7))
        // Indexed, but still no typed accessor: they stay among the unknown fields.
        #expect(image.unknownFields.map(\.0) == ["__support_arm", "architecture", "__lazyloading", "other"])
    }

    @Test func stringSpellingsOfBooleansAndNumbersAreAccepted() throws {
        let image = try single(IMSSamples.wholeFromBackup)
        #expect(image.wholeImage == true)
        #expect(image.backupID == "c3b2a1f0-9e8d-4c7b-a6f5-e4d3c2b1a0f9")
        #expect(image.cmkID == "83cdb52d-9ebf-4469-9cfa-e7b5b80da846")
        #expect(image.encryptedFlag == true)  // misspelt __system_encrypted
        #expect(image.imageSize == 53_687_091_200)  // a number instead of a string
        #expect(image.minDisk == 100)
        #expect(image.minRam == 4096)
        #expect(image.osBit == "64")
        #expect(image.supportMarket == false)
        #expect(image.status == "saving")
        #expect(image.firmwareType == "uefi")
        #expect(image.region == "ap-southeast-3")
        #expect(image.released == true)
    }

    @Test func bothSpellingsOfTheEncryptedFlagAreRead() throws {
        #expect(try single(#"{"__system__encrypted": "1"}"#).encryptedFlag == true)
        #expect(try single(#"{"__system__encrypted": "0"}"#).encryptedFlag == false)
        #expect(try single(#"{"__system_encrypted": "0"}"#).encryptedFlag == false)
        #expect(try single(#"{"__system_encrypted": 1}"#).encryptedFlag == true)
        #expect(try single(#"{"__system__encrypted": "0", "__system_encrypted": "1"}"#).encryptedFlag == true)
        #expect(try single(#"{"name": "x"}"#).encryptedFlag == nil)
    }

    @Test func wholeImageAcceptsBooleanAndString() throws {
        #expect(try single(#"{"__whole_image": true}"#).wholeImage == true)
        #expect(try single(#"{"__whole_image": "true"}"#).wholeImage == true)
        #expect(try single(#"{"__whole_image": "True"}"#).wholeImage == true)
        #expect(try single(#"{"__whole_image": "false"}"#).wholeImage == false)
        #expect(try single(#"{"__whole_image": null}"#).wholeImage == nil)
    }

    @Test func aWrongTypeNamesTheFileTheKeyAndWhatWasExpected() {
        #expect(failure(#"{"min_disk": "forty"}"#) == #"web.json: key "min_disk": expected an integer, found the string "forty""#)
        #expect(failure(#"{"min_ram": -1}"#) == #"web.json: key "min_ram": expected a non-negative integer, found the number -1"#)
        #expect(failure(#"{"min_disk": 40.5}"#).contains("expected an integer, found the number 40.5"))
        #expect(failure(#"{"__whole_image": "yes"}"#).contains(#"key "__whole_image": expected true or false"#))
        #expect(failure(#"{"__system__encrypted": "2"}"#).contains(#"key "__system__encrypted": expected "1" or "0", found the string "2""#))
        #expect(failure(#"{"owner": 17}"#) == #"web.json: key "owner": expected a string, found the number 17"#)
        #expect(failure(#"{"__image_size": "2 GB"}"#).contains(#"key "__image_size": expected an integer"#))
        #expect(failure(#"{"protected": [true]}"#).contains(#"key "protected": expected true or false"#))
        #expect(failure(#"{"status": {"a": 1}}"#).contains("found an object"))
        #expect(failure(#"{"__os_bit": true}"#).contains("expected a string or an integer, found the boolean true"))
    }

    @Test func unknownKeysMayHoldAnything() throws {
        let image = try single(#"{"name": "x", "custom": {"deep": [1, 2]}, "size": null}"#)
        #expect(image["custom"]?["deep"] == .array([.int(1), .int(2)]))
    }

    @Test func aListResponseYieldsEveryImage() throws {
        let text = #"{"images": [\#(IMSSamples.privateUbuntu), \#(IMSSamples.wholeFromBackup)], "first": "/v2/cloudimages?limit=2"}"#
        let images = try IMSMetadata.parseDocument(IMSSamples.document(text), file: "images.json")
        #expect(images.map(\.name) == ["web-ubuntu2204", "erp-full-ecs"])
    }

    @Test func aBareArrayYieldsEveryImage() throws {
        let text = "[\(IMSSamples.privateUbuntu), \(IMSSamples.wholeFromBackup)]"
        let images = try IMSMetadata.parseDocument(IMSSamples.document(text), file: "images.json")
        #expect(images.count == 2)
        #expect(try IMSMetadata.parseDocument(IMSSamples.document(#"{"images": []}"#), file: "e.json").isEmpty)
    }

    @Test func anErrorInAListNamesTheImage() {
        let text = #"{"images": [{"id": "a"}, {"id": "b", "min_disk": true}]}"#
        #expect(failure(text, file: "list.json") == #"list.json: image 2: key "min_disk": expected an integer, found the boolean true"#)
        #expect(failure(#"[{"id": "a"}, 5]"#, file: "list.json") == "list.json: image 2: expected an image object, found the number 5")
    }

    @Test func documentsOfTheWrongShapeFail() {
        #expect(failure(#""an image""#).contains("expected an image object"))
        #expect(failure("42").contains("found the number 42"))
    }

    @Test func syntaxErrorsNameTheFileLineAndColumn() {
        let text = "{\n  \"id\": \"abc\",\n  \"name\": \"web\" \"min_disk\": 40\n}"
        #expect(failure(text) == "web.json: line 3, column 17: expected ',' or '}', found '\"'")
    }

    @Test func oversizedDocumentsAreRefused() {
        let big = [UInt8](repeating: 0x20, count: IMSMetadata.maximumDocumentBytes + 1)
        #expect(throws: ImageError.self) { try IMSMetadata.parseDocument(big, file: "big.json") }
    }

    // MARK: pick

    func sampleList() throws -> [IMSMetadata] {
        let text = #"""
            {"images": [
              {"id": "aa11", "name": "web"},
              {"id": "bb22", "name": "db.qcow2"},
              {"id": "cc33", "name": "cache"}
            ]}
            """#
        return try IMSMetadata.parseDocument(IMSSamples.document(text), file: "list.json")
    }

    @Test func pickPrefersTheImageID() throws {
        let list = try sampleList()
        #expect(IMSMetadata.pick(from: list, imageID: "cc33", imageFileName: "web.qcow2")?.id == "cc33")
    }

    @Test func pickFallsBackToTheFileNameWithOrWithoutExtension() throws {
        let list = try sampleList()
        #expect(IMSMetadata.pick(from: list, imageID: nil, imageFileName: "web.qcow2")?.id == "aa11")
        #expect(IMSMetadata.pick(from: list, imageID: nil, imageFileName: "images/db.qcow2")?.id == "bb22")
        #expect(IMSMetadata.pick(from: list, imageID: "nope", imageFileName: "cache.vmdk")?.id == "cc33")
    }

    @Test func pickReturnsNilWhenNothingChoosesOne() throws {
        let list = try sampleList()
        #expect(IMSMetadata.pick(from: list, imageID: nil, imageFileName: "other.qcow2") == nil)
        #expect(IMSMetadata.pick(from: list, imageID: nil, imageFileName: nil) == nil)
        #expect(IMSMetadata.pick(from: [], imageID: "aa11", imageFileName: "web") == nil)
    }

    @Test func pickTakesTheOnlyImageWhenNothingElseMatches() throws {
        let only = try single(IMSSamples.privateUbuntu)
        #expect(IMSMetadata.pick(from: [only], imageID: nil, imageFileName: "disk.qcow2")?.id == only.id)
    }
}
