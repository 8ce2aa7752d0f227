import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct AuditStateTests {
    /// The audit entry of image 1 in an account of `images`.
    func entry(_ images: [[(String, JSONValue)]], register: ReleaseRegister = ReleaseRegister(),
               owner: String? = AuditImages.seller, id: Int = 1) throws -> AuditEntry {
        let report = audit(try AuditImages.account(images), register: register, sellerOwner: owner)
        return try #require(report.entries.first { $0.id == AuditImages.id(id) })
    }

    func image(_ changes: [(String, JSONValue?)] = []) -> [(String, JSONValue)] {
        AuditImages.fields(1, "web", changes)
    }

    func value(_ entry: AuditEntry, _ key: String) -> String? {
        entry.evidence.first { $0.0 == key }?.1
    }

    @Test func aCleanPrivateImageIsReleasableWithAKeepACopyStep() throws {
        let e = try entry([image()])
        #expect(e.state == .releasable)
        #expect(e.nextStep.contains("keep a copy"))
        #expect(e.errorRules.isEmpty)
    }

    @Test func anImageInTheRegisterIsLocked() throws {
        let e = try entry([image([("protected", .bool(true))])],
                          register: ReleaseRegister(releasedImageIDs: [AuditImages.id(1)]))
        #expect(e.state == .locked)
        #expect(value(e, "id") == AuditImages.id(1))
        #expect(value(e, "protected") == "true")
        #expect(e.nextStep.contains("Buy it back"))
    }

    @Test func theReleasedKeyLocksAnImage() throws {
        let e = try entry([image([("released", .bool(true))])])
        #expect(e.state == .locked)
        #expect(value(e, "released") == "true")
    }

    @Test func aPrivateImageWithAReleasedProductsCodeIsLocked() throws {
        let e = try entry([image([("__productcode", .string("OFFI702314569812345678"))])],
                          register: ReleaseRegister(releasedProductIDs: ["OFFI702314569812345678"]))
        #expect(e.state == .locked)
        #expect(value(e, "__productcode") == "OFFI702314569812345678")
        #expect(e.nextStep.contains("OFFI702314569812345678"))
    }

    @Test func aPrivateImageWithAnUnreleasedProductsCodeIsMarketDerivedNotLocked() throws {
        let e = try entry([image([("__productcode", .string("OFFI733019284756102938"))])],
                          register: ReleaseRegister(releasedProductIDs: ["OFFI702314569812345678"]))
        #expect(e.state == .marketDerived)
        #expect(value(e, "__productcode") == "OFFI733019284756102938")
        #expect(e.lineage?.seed == .productCode("OFFI733019284756102938"))
        #expect(e.nextStep.contains("rebuild"))
    }

    @Test func aMarketImageIsBilledAndSaysSo() throws {
        let e = try entry([image([("__imagetype", .string("market")), ("visibility", .string("public")),
                                  ("__productcode", .string("OFFI454488918838128640")),
                                  ("__account_code", .string("wp-ondemand-hourly"))])])
        #expect(e.state == .market)
        #expect(value(e, "__account_code") == "wp-ondemand-hourly")
        #expect(value(e, "__productcode") == "OFFI454488918838128640")
        #expect(e.nextStep.contains("billed"))
    }

    @Test func anOffShelfMarketImageSaysItIsOffTheShelf() throws {
        let e = try entry([image([("__imagetype", .string("market")), ("__is_offshelved", .string("true"))])])
        #expect(e.state == .market)
        #expect(value(e, "__is_offshelved") == "true")
        #expect(e.nextStep.contains("off the shelf"))
        #expect(!e.nextStep.contains("billed"))
    }

    @Test func aPublicImageIsNotTheSellers() throws {
        let e = try entry([image([("__imagetype", .string("gold")), ("visibility", .string("public")),
                                  ("owner", .string(AuditImages.partner))])])
        #expect(e.state == .public)
    }

    @Test func anImageMadeFromAMarketImageInTheListsIsMarketDerived() throws {
        let market = AuditImages.fields(2, "mkt", [("__imagetype", .string("market")), ("__originalimagename", nil)])
        let e = try entry([image([("__originalimagename", .string(AuditImages.id(2)))]), market])
        #expect(e.state == .marketDerived)
        #expect(value(e, "__originalimagename") == AuditImages.id(2))
        #expect(value(e, "lineage root") == AuditImages.id(2))
        #expect(e.lineage?.generations == 1)
    }

    @Test func anImageMadeFromALockedImageIsMarketDerived() throws {
        let locked = AuditImages.fields(2, "shop", [("released", .bool(true))])
        let e = try entry([image([("__originalimagename", nil),
                                  ("__data_origin", .string("image,ap-southeast-3,\(AuditImages.id(2))"))]), locked])
        #expect(e.state == .marketDerived)
        #expect(value(e, "__data_origin") == AuditImages.id(2))
        #expect(e.lineage?.seed == .locked)
        #expect(e.nextStep.hasPrefix("Made from the released (locked) image \(AuditImages.id(2))"))
    }

    @Test func anImageWhoseMissingParentIsInTheRegisterIsMarketDerived() throws {
        let e = try entry([image()], register: ReleaseRegister(releasedImageIDs: ["b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58"]))
        #expect(e.state == .marketDerived)
        #expect(value(e, "parent released") == "b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58")
    }

    @Test func anImageMadeFromACleanParentIsNotMarketDerived() throws {
        let parent = AuditImages.fields(2, "base")
        let e = try entry([image([("__originalimagename", .string(AuditImages.id(2)))]), parent])
        #expect(e.state == .releasable)
        #expect(e.lineage == nil)
    }

    @Test func aCMKKeyMakesAnImageEncrypted() throws {
        let e = try entry([image([("__system__cmkid", .string("83cdb52d-9ebf-4469-9cfa-e7b5b80da846"))])])
        #expect(e.state == .encrypted)
        #expect(value(e, "__system__cmkid") == "83cdb52d-9ebf-4469-9cfa-e7b5b80da846")
        // Near miss: an encryption flag of "0" is not encrypted.
        #expect(try entry([image([("__system__encrypted", .string("0"))])]).state == .releasable)
    }

    @Test func aSharedImageOfAnotherProjectSaysBuildYourOwn() throws {
        let e = try entry([image([("__imagetype", .string("shared")), ("owner", .string(AuditImages.partner))])])
        #expect(e.state == .shared)
        #expect(value(e, "owner") == AuditImages.partner)
        #expect(e.nextStep.contains("Another project's"))
    }

    @Test func aSharedImageTheSellerOwnsSaysStopSharing() throws {
        let e = try entry([image([("visibility", .string("shared")), ("__imagetype", .string("shared"))])])
        #expect(e.state == .shared)
        #expect(e.nextStep.contains("stop sharing"))
    }

    @Test func aPrivateImageOfAnotherProjectIsSharedOnlyWhenTheSellerIsKnown() throws {
        let foreign = image([("owner", .string(AuditImages.partner))])
        #expect(try entry([foreign]).state == .shared)
        #expect(try entry([foreign], owner: nil).state == .releasable)
    }

    @Test func aWholeImageIsFullECS() throws {
        let e = try entry([image([("__whole_image", .string("true"))])])
        #expect(e.state == .fullECS)
        #expect(value(e, "__whole_image") == "true")
        #expect(try entry([image([("__whole_image", .bool(false))])]).state == .releasable)
    }

    @Test func anotherRuleErrorMakesAnImageNotReleasableWithThatRulesRemedy() throws {
        let e = try entry([image([("__root_origin", .string("file"))])])
        #expect(e.state == .notReleasable)
        #expect(e.errorRules == ["KG107"])
        #expect(e.nextStep.hasPrefix("KG107 external-origin"))
        #expect(value(e, "KG107 __root_origin") == "file")
    }

    @Test func theFirstStateInPrecedenceWins() throws {
        // Locked, encrypted, shared and whole at once: locked.
        let all: [(String, JSONValue?)] = [("released", .bool(true)), ("__system__cmkid", .string("k")),
                                           ("__imagetype", .string("shared")), ("__whole_image", .bool(true))]
        #expect(try entry([image(all)]).state == .locked)
        // Encrypted and whole: encrypted.
        #expect(try entry([image([("__system__cmkid", .string("k")), ("__whole_image", .bool(true))])]).state == .encrypted)
        // Market-derived and encrypted: market-derived.
        #expect(try entry([image([("__productcode", .string("OFFI1")), ("__system__cmkid", .string("k"))])]).state == .marketDerived)
        #expect(AuditState.locked < AuditState.market && AuditState.fullECS < AuditState.releasable)
    }

    @Test func stateNamesParseAsTheStateFilterWritesThem() throws {
        #expect(AuditState(name: "Market-Derived") == .marketDerived)
        #expect(AuditState(name: "full-ecs") == .fullECS)
        #expect(AuditState(name: "lockd") == nil)
        #expect(try AuditReport.states(named: "locked,market") == [.locked, .market])
        #expect(throws: ImageError.self) { try AuditReport.states(named: "locked,billed") }
    }

    // The released list

    @Test func theReleasedListSortsImageIDsFromProductIDsAndSkipsComments() throws {
        let text = "# released\n\n8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43  # web v1\r\n  OFFI702314569812345678\n#OFFI999\n"
        let register = try ReleaseRegister.parseList(text, file: "released.txt")
        #expect(register.releasedImageIDs == ["8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43"])
        #expect(register.releasedProductIDs == ["OFFI702314569812345678"])
    }

    @Test func aReleasedListLineWithTwoWordsIsAnErrorNamingTheLine() {
        #expect {
            try ReleaseRegister.parseList("OFFI1\nOFFI2 OFFI3\n", file: "released.txt")
        } throws: { error in
            guard let error = error as? ImageError else { return false }
            return error.file == "released.txt" && error.message.contains("line 2")
        }
    }
}
