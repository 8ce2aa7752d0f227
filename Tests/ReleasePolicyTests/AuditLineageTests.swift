import Testing
import Foundation
import DiskImage
import ImagePackage
@testable import ReleasePolicy
import KoopackTestSupport

@Suite struct AuditLineageTests {
    func entries(_ images: [[(String, JSONValue)]], register: ReleaseRegister = ReleaseRegister()) throws -> [String: AuditEntry] {
        let report = audit(try AuditImages.account(images), register: register, sellerOwner: AuditImages.seller)
        return Dictionary(uniqueKeysWithValues: report.entries.map { ($0.id, $0) })
    }

    func child(_ n: Int, of parent: Int, copy: Bool = false) -> [(String, JSONValue)] {
        copy
            ? AuditImages.fields(n, "img\(n)", [("__originalimagename", nil),
                                                ("__data_origin", .string("image,af-south-1,\(AuditImages.id(parent))"))])
            : AuditImages.fields(n, "img\(n)", [("__originalimagename", .string(AuditImages.id(parent)))])
    }

    /// The market image's number, beyond every chain's.
    static let marketNumber = 0xFFFF_FFFF

    let market = AuditImages.fields(Self.marketNumber, "mkt", [("__imagetype", .string("market")), ("__originalimagename", nil)])

    @Test func taintFollowsCopiesAndChildrenAcrossFiles() throws {
        var account = ImageAccount()
        try account.add(document: AuditImages.listDocument([market, child(1, of: Self.marketNumber)]), file: "images-ap-southeast-3.json")
        try account.add(document: AuditImages.listDocument([child(2, of: 1, copy: true)]), file: "images-af-south-1.json")
        try account.add(document: AuditImages.listDocument([child(3, of: 2, copy: true), child(4, of: 3)]), file: "images-la-south-2.json")
        let report = audit(account, register: ReleaseRegister())
        let byID = Dictionary(uniqueKeysWithValues: report.entries.map { ($0.id, $0) })
        let last = try #require(byID[AuditImages.id(4)])
        #expect(last.state == .marketDerived)
        #expect(last.region == "la-south-2")
        #expect(last.lineage?.root == AuditImages.id(Self.marketNumber))
        #expect(last.lineage?.parent == AuditImages.id(3))
        #expect(last.lineage?.generations == 4)
        #expect(byID[AuditImages.id(2)]?.lineage?.parentKey == "__data_origin")
    }

    @Test func aLoopOfCleanImagesTerminatesWithANoteOnEachMember() throws {
        let byID = try entries([child(1, of: 2), child(2, of: 3), child(3, of: 1)])
        for n in 1...3 {
            let e = try #require(byID[AuditImages.id(n)])
            #expect(e.state == .releasable)
            #expect(e.notes.contains { $0.hasPrefix("lineage loop:") })
        }
        let note = try #require(byID[AuditImages.id(1)]?.notes.first)
        #expect(note.contains(AuditImages.id(1)) && note.contains(AuditImages.id(2)) && note.contains(AuditImages.id(3)))
    }

    @Test func anImageThatIsItsOwnParentIsALoop() throws {
        let e = try #require(try entries([child(1, of: 1)])[AuditImages.id(1)])
        #expect(e.notes.contains { $0.hasPrefix("lineage loop:") })
    }

    @Test func aMarketImageFeedingALoopTaintsEveryMemberWhicheverIsWalkedFirst() throws {
        // 1 → 2 → 1, and 2 is also a copy of the market image; also 3 → 1.
        let two = AuditImages.fields(2, "img2", [("__originalimagename", .string(AuditImages.id(1))),
                                                ("__data_origin", .string("image,ap-southeast-3,\(AuditImages.id(Self.marketNumber))"))])
        for order in [[child(1, of: 2), two, child(3, of: 1), market], [market, child(3, of: 1), two, child(1, of: 2)]] {
            let byID = try entries(order)
            for n in 1...3 {
                let e = try #require(byID[AuditImages.id(n)])
                #expect(e.state == .marketDerived)
                #expect(e.lineage?.root == AuditImages.id(Self.marketNumber))
            }
            #expect(byID[AuditImages.id(2)]?.lineage?.generations == 1)
            #expect(byID[AuditImages.id(1)]?.lineage?.parent == AuditImages.id(2))
            // 1 and 2 form the loop; 3 only descends from it.
            #expect(byID[AuditImages.id(1)]?.notes.contains { $0.hasPrefix("lineage loop:") } == true)
            #expect(byID[AuditImages.id(2)]?.notes.contains { $0.hasPrefix("lineage loop:") } == true)
            #expect(byID[AuditImages.id(3)]?.notes.isEmpty == true)
        }
    }

    @Test func aParentMissingFromTheListsStopsTheWalkWithANote() throws {
        let orphan = AuditImages.fields(1, "orphan", [("__originalimagename", .string("deadbeef-0000-4000-8000-000000000001"))])
        let e = try #require(try entries([orphan])[AuditImages.id(1)])
        #expect(e.state == .releasable)
        #expect(e.notes == ["parent deadbeef-0000-4000-8000-000000000001 (__originalimagename) is not in the image lists; the lineage walk stops there"])
    }

    @Test func aCopysMissingSourceNamesItsRegion() throws {
        let copy = AuditImages.fields(1, "copy", [("__originalimagename", nil),
                                                 ("__data_origin", .string("image,AP-Singapore,deadbeef-0000-4000-8000-000000000002"))])
        let e = try #require(try entries([copy])[AuditImages.id(1)])
        #expect(e.notes.first?.contains("in ap-southeast-3 (__data_origin)") == true)
    }

    @Test func aTenThousandImageChainIsWalkedInLinearSteps() throws {
        // The worst case for a naive walk: every image the parent of the next, listed youngest first.
        let n = 10_000
        var images: [[(String, JSONValue)]] = [market]
        for i in 1...n { images.append(i == 1 ? child(1, of: Self.marketNumber) : child(i, of: i - 1)) }
        let account = try AuditImages.account(images.reversed())
        let seeds: [LineageSeed?] = account.images.map { $0.id == AuditImages.id(Self.marketNumber) ? .market : nil }
        #expect(account.images.count == n + 1)
        let walk = LineageWalk(account: account, seeds: seeds)
        let links = account.images.reduce(0) { $0 + LineageWalk.parentLinks(of: $1.metadata).count }
        #expect(walk.steps <= 3 * (account.images.count + links))
        let last = try #require(account.images.firstIndex { $0.id == AuditImages.id(n) })
        #expect(walk.lineages[last].origin?.generations == n)
    }

    @Test(.enabled(if: Tool.exists("python3"), "python3 is not installed"))
    func theGeneratedLargeAccountIsWalkedInLinearSteps() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("koopack-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Tool.run("python3", [AuditFixtureFiles.directory.appendingPathComponent("make-account.py").path,
                                 "--large", "10000", "--out", directory.path])
        var account = ImageAccount()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            try account.add(document: bytes, file: file)
        }
        #expect(account.images.count == 10_000)
        #expect(Set(account.images.compactMap(\.region)).count == 8)
        let seeds: [LineageSeed?] = account.images.map { AuditDecision.isMarket($0.metadata) ? .market : nil }
        let walk = LineageWalk(account: account, seeds: seeds)
        let links = account.images.reduce(0) { $0 + LineageWalk.parentLinks(of: $1.metadata).count }
        #expect(walk.steps <= 3 * (account.images.count + links))
        #expect(walk.lineages.contains { !$0.loop.isEmpty })
        #expect(walk.lineages.contains { ($0.origin?.generations ?? 0) > 10 })
    }
}

/// Where testdata/audit is.
enum AuditFixtureFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/audit")
}
