import Foundation
import GRDB
import Testing
@testable import QuotaLedger

/// DOMAIN.md's counting of the daily upload quota: the console counts uploads, so a file counts
/// once for each bundle that uploads it; one bundle naming a file twice uploads it once; a
/// release bundled again supersedes its earlier bundle's reservations.
@Suite("Quota counting")
struct QuotaCountingTests {
    let today = day("2026-11-25")
    let tomorrow = day("2026-11-26")
    let now = epochSeconds(2026, 11, 25, 10, 0, 0, offset: 8 * 3600)

    func open(_ directory: Scratch) throws -> Ledger {
        try Ledger(path: directory.file("ledger.sqlite"), clock: .fixed(now))
    }

    /// Plans `files` from today on the ledger's usage and reserves them for `bundleID`.
    @discardableResult
    func bundle(_ files: [UploadFile], as bundleID: String, product: String? = nil, on ledger: Ledger,
                limits: QuotaLimits) throws -> (UploadPlan, ReservationResult) {
        let plan = UploadPlanner.plan(files: files, limits: limits, startDay: today,
                                      used: try ledger.usage(from: today, days: 30, supersedingProduct: product))
        return (plan, try ledger.reserve(plan: plan, bundleID: bundleID, productKey: product))
    }

    @Test func twoBundlesSharingAnEULAOnOneDayAreFourteenUploadsSoOneSpills() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let quota = limits(files: 13)
        let eula = file("eula.txt", 100, index: 1, role: "eula")
        let first = [eula] + files(6, size: 1000, firstIndex: 10)
        let second = [eula] + files(6, size: 1000, firstIndex: 20)
        try bundle(first, as: "webstack", on: ledger, limits: quota)
        let (plan, _) = try bundle(second, as: "mailstack", on: ledger, limits: quota)
        #expect(plan.days.map(\.day) == [today, tomorrow])
        #expect(plan.days.map(\.files.count) == [6, 1])
        let usage = try ledger.usage(from: today, days: 2)
        #expect(usage[today]?.files == 13)
        #expect(usage[tomorrow]?.files == 1)
    }

    @Test func aFileNamedTwiceInOneBundleIsOneUpload() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let twice = [file("eula.txt", 100, index: 1), file("docs/eula-copy.txt", 100, index: 1), file("guide.md", 50, index: 2)]
        try bundle(twice, as: "webstack", on: ledger, limits: limits(files: 2))
        let usage = try #require(try ledger.usage(from: today, days: 1)[today])
        #expect(usage.files == 2)
        #expect(usage.bytes == 150)
        #expect(try ledger.status(day: today).entries.count == 3)
    }

    @Test func bundlingTheSameProductAgainCancelsTheEarlierReservationsAndRefusesToRecordThem() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let quota = limits(files: 10)
        let release = files(7, size: 1000, firstIndex: 1)
        try bundle(release, as: "acme-webstack-2-4-20261125-0000000a", product: "acme-webstack-2-4", on: ledger, limits: quota)
        // An unrelated product's bundle keeps its reservations.
        try bundle(files(2, size: 10, firstIndex: 50), as: "other-1-0-20261125-0000000b", product: "other-1-0", on: ledger, limits: quota)
        let (plan, result) = try bundle(release, as: "acme-webstack-2-4-20261125-0000000c", product: "acme-webstack-2-4",
                                        on: ledger, limits: quota)
        // Without superseding, 7 + 2 + 7 files would not fit 10 a day.
        #expect(plan.days.map(\.day) == [today])
        #expect(result.superseded == [SupersededBundle(bundleID: "acme-webstack-2-4-20261125-0000000a", cancelled: 7)])
        #expect(try ledger.reservations(bundleID: "acme-webstack-2-4-20261125-0000000a").isEmpty)
        #expect(try ledger.reservations(bundleID: "other-1-0-20261125-0000000b").count == 2)
        #expect(try ledger.supersedingBundle(of: "acme-webstack-2-4-20261125-0000000a") == "acme-webstack-2-4-20261125-0000000c")

        let status = try ledger.status(day: today)
        #expect(status.bundleIDs == ["acme-webstack-2-4-20261125-0000000c", "other-1-0-20261125-0000000b"])
        #expect(status.usage.files == 9)
        #expect(status.bundleUsage.map(\.usage.files).reduce(0, +) == status.usage.files)
        #expect(status.bundleUsage.map(\.usage.bytes).reduce(0, +) == status.usage.bytes)

        let error = try #require(throws: LedgerError.self) {
            try ledger.record(bundleID: "acme-webstack-2-4-20261125-0000000a")
        }
        #expect(error.kind == .bundleSuperseded(bundleID: "acme-webstack-2-4-20261125-0000000a", by: "acme-webstack-2-4-20261125-0000000c"))
        #expect(error.description.contains("superseded by bundle acme-webstack-2-4-20261125-0000000c"))
    }

    @Test func uploadsAlreadyRecordedStayWhenTheReleaseIsBundledAgain() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let quota = limits(files: 100)
        try bundle(files(3, size: 10, firstIndex: 1), as: "acme-20261125-00000001", product: "acme", on: ledger, limits: quota)
        #expect(try ledger.record(bundleID: "acme-20261125-00000001") == 3)
        let (_, result) = try bundle(files(3, size: 10, firstIndex: 1), as: "acme-20261125-00000002", product: "acme", on: ledger, limits: quota)
        #expect(result.superseded == [SupersededBundle(bundleID: "acme-20261125-00000001", cancelled: 0)])
        // The console saw the first upload: both count.
        #expect(try ledger.status(day: today).usage.files == 6)
    }

    @Test func theProductKeyOfABundleIDIsItsSlug() {
        #expect(BundleIDs.productKey(ofProduct: "Acme WebStack 2.4") == "acme-webstack-2-4")
        #expect(BundleIDs.productKey(ofBundleID: "acme-webstack-2-4-20261125-1a2b3c4d") == "acme-webstack-2-4")
        #expect(BundleIDs.productKey(ofBundleID: "app-1.0") == "app-1.0")
    }

    @Test func aVersionOneLedgerMigratesWithEveryReservation() throws {
        let directory = try Scratch()
        let path = directory.file("ledger.sqlite")
        // A ledger as the first schema made it, with two bundles of one product.
        let queue = try DatabaseQueue(path: path)
        try Ledger.migrator.migrate(queue, upTo: "v1: reservations and release register")
        try queue.write { db in
            for (index, bundleID) in ["acme-webstack-2-4-20261120-00000001", "acme-webstack-2-4-20261120-00000001",
                                      "acme-webstack-2-4-20261125-00000002"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO reservation (bundle_id, day, sha256, size, name, role, state, created_at)
                    VALUES (?, '2026-11-25', ?, 10, ?, 'document', 'reserved', ?)
                    """, arguments: [bundleID, digest(index + 1), "f\(index)", 1000 + index])
            }
        }
        try queue.close()
        let ledger = try Ledger(path: path, clock: .fixed(now))
        #expect(try ledger.status(day: today).entries.count == 3)
        #expect(try ledger.reservations(bundleID: "acme-webstack-2-4-20261120-00000001").count == 2)
        // The migrated bundles are known by product: a new bundle of it supersedes both.
        let (_, result) = try bundle([file("x", 1, index: 9)], as: "acme-webstack-2-4-20261126-00000003",
                                     product: "acme-webstack-2-4", on: ledger, limits: limits())
        #expect(Set(result.superseded.map(\.bundleID)) == ["acme-webstack-2-4-20261120-00000001", "acme-webstack-2-4-20261125-00000002"])
        #expect(result.superseded.map(\.cancelled).reduce(0, +) == 3)
    }
}
