import Foundation
import GRDB
import Testing
@testable import QuotaLedger

@Suite("Upload ledger")
struct LedgerTests {
    let today = day("2026-11-25")
    let tomorrow = day("2026-11-26")
    /// 10:00 on 2026-11-25 in GMT+08:00.
    let now = epochSeconds(2026, 11, 25, 10, 0, 0, offset: 8 * 3600)

    func open(_ directory: Scratch, name: String = "ledger.sqlite") throws -> Ledger {
        try Ledger(path: directory.file(name), clock: .fixed(now))
    }

    @Test func reserveRecordCancelAndStatusRoundTrip() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let limits = try QuotaLimits(filesPerDay: 3)
        let input = [file("disk.qcow2", 5_000, index: 1, role: "image"), file("eula.txt", 20, index: 2, role: "eula"),
                     file("guide.md", 30, index: 3, role: "user-guide"), file("notice.txt", 10, index: 4, role: "oss-notice")]
        let plan = UploadPlanner.plan(files: input, limits: limits, startDay: UploadClock.fixed(now).today(limits),
                                      used: try ledger.usage(from: today, days: 30))
        #expect(plan.days.map(\.day) == [today, tomorrow])

        let result = try ledger.reserve(plan: plan, bundleID: "app-1.0")
        #expect(result.rows == 4)
        #expect(result.reservedAt == now)
        #expect(result.days.map(\.after.files) == [3, 1])

        let status = try ledger.status(day: today)
        #expect(status.usage.files == 3)
        #expect(status.usage.bytes == 5_000 + 30 + 20)
        #expect(status.bundleIDs == ["app-1.0"])
        #expect(status.entries.map(\.file.name) == ["disk.qcow2", "eula.txt", "guide.md"])
        #expect(status.entries.allSatisfy { $0.state == .reserved && $0.createdAt == now && $0.uploadedAt == nil })
        #expect(status.entries.first?.file == input[0])

        let usage = try ledger.usage(from: today, days: 7)
        #expect(usage[today]?.files == 3)
        #expect(usage[tomorrow]?.files == 1)
        #expect(usage.count == 2)

        #expect(try ledger.record(bundleID: "app-1.0", day: today) == 3)
        #expect(try ledger.status(day: today).entries.allSatisfy { $0.state == .uploaded && $0.uploadedAt == now })
        #expect(try ledger.status(day: tomorrow).entries.allSatisfy { $0.state == .reserved })

        // Cancelling drops tomorrow's booking but keeps what was uploaded.
        #expect(try ledger.cancel(bundleID: "app-1.0") == 1)
        #expect(try ledger.status(day: tomorrow).entries.isEmpty)
        #expect(try ledger.status(day: today).usage.files == 3)
        #expect(try ledger.reservations(bundleID: "app-1.0").count == 3)
    }

    @Test func usageCountsAFileOncePerBundleThatUploadsIt() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let shared = file("eula.txt", 100, index: 1)
        let one = UploadPlanner.planOnDay(files: [shared, file("a.qcow2", 1000, index: 2)], day: today, limits: .koogallery)
        let two = UploadPlanner.planOnDay(files: [shared, file("b.qcow2", 2000, index: 3)], day: today, limits: .koogallery)
        _ = try ledger.reserve(plan: one, bundleID: "one")
        _ = try ledger.reserve(plan: two, bundleID: "two")
        _ = try ledger.record(bundleID: "one")
        let usage = try #require(try ledger.usage(from: today, days: 1)[today])
        #expect(usage.files == 4)
        #expect(usage.bytes == 3200)
        #expect(usage.sha256s == [DayUsage.uploadKey(bundleID: "one", sha256: digest(1)), DayUsage.uploadKey(bundleID: "one", sha256: digest(2)),
                                  DayUsage.uploadKey(bundleID: "two", sha256: digest(1)), DayUsage.uploadKey(bundleID: "two", sha256: digest(3))])
        #expect(try ledger.status(day: today).entries.count == 4)
    }

    @Test func reservingPastTheQuotaIsRefusedNamingTheDayTheLedgerAndTheExcess() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let limits = try QuotaLimits(filesPerDay: 5, bytesPerDay: 1000)
        _ = try ledger.reserve(plan: UploadPlanner.planOnDay(files: files(4, size: 100), day: today, limits: limits),
                               bundleID: "first")
        // A plan made without looking at the ledger: two more files on a day that has room for one.
        let stale = UploadPlanner.plan(files: files(2, size: 100, firstIndex: 50), limits: limits, startDay: today)
        #expect(stale.days.map(\.day) == [today])
        let error = try #require(throws: LedgerError.self) { try ledger.reserve(plan: stale, bundleID: "second") }
        guard case .quotaExceeded(let bundleID, let days) = error.kind else {
            Issue.record("expected a quota refusal, got \(error)")
            return
        }
        #expect(error.isQuotaRefusal)
        #expect(bundleID == "second")
        #expect(days.count == 1)
        #expect(days.first?.day == today)
        #expect(days.first?.before.files == 4)
        #expect(days.first?.after.files == 6)
        #expect(days.first?.exceedsFiles == true)
        #expect(days.first?.exceedsBytes == false)
        #expect(error.ledgerPath == directory.file("ledger.sqlite"))
        #expect(error.description.contains(directory.file("ledger.sqlite")))
        #expect(error.description.contains("2026-11-25 (GMT+08:00) would hold 6 files (limit 5; 4 already booked)"))
        #expect(try ledger.reservations(bundleID: "second").isEmpty)

        // Bytes: 400 booked, 700 more would make 1,100.
        let bytes = UploadPlanner.planOnDay(files: [file("big", 700, index: 90)], day: today, limits: limits)
        let byteError = try #require(throws: LedgerError.self) { try ledger.reserve(plan: bytes, bundleID: "third") }
        #expect(byteError.description.contains("1,100 bytes (limit 1,000; 400 already booked)"))

        // Re-planned against the ledger, the same two files go up today and tomorrow.
        let replanned = UploadPlanner.plan(files: files(2, size: 100, firstIndex: 50), limits: limits, startDay: today,
                                           used: try ledger.usage(from: today, days: 10))
        #expect(replanned.days.map(\.day) == [today, tomorrow])
        #expect(try ledger.reserve(plan: replanned, bundleID: "second").rows == 2)
        #expect(try ledger.status(day: today).usage.files == 5)
    }

    @Test func aReBundleOfTheSameReleaseFitsAFullDayAndAnotherReleaseDoesNot() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let limits = try QuotaLimits(filesPerDay: 2)
        let both = files(2, size: 10)
        _ = try ledger.reserve(plan: UploadPlanner.planOnDay(files: both, day: today, limits: limits),
                               bundleID: "app-20261125-0000000a", productKey: "app")
        // The same two files in another product's bundle: two more uploads, so tomorrow.
        let other = UploadPlanner.plan(files: both, limits: limits, startDay: today, used: try ledger.usage(from: today, days: 2))
        #expect(other.days.map(\.day) == [tomorrow])
        // Bundled again as the same release: it supersedes the first booking, so today has room.
        let again = UploadPlanner.plan(files: both, limits: limits, startDay: today,
                                       used: try ledger.usage(from: today, days: 1, supersedingProduct: "app"))
        #expect(again.days.map(\.day) == [today])
        #expect(try ledger.reserve(plan: again, bundleID: "app-20261125-0000000b", productKey: "app").days.first?.after.files == 2)
    }

    @Test func aBundleIsReservedOnceUnlessReplaced() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let limits = try QuotaLimits(filesPerDay: 3)
        let plan = UploadPlanner.planOnDay(files: files(3, size: 10), day: today, limits: limits)
        _ = try ledger.reserve(plan: plan, bundleID: "app")
        let error = try #require(throws: LedgerError.self) { try ledger.reserve(plan: plan, bundleID: "app") }
        #expect(error.kind == .bundleAlreadyReserved(bundleID: "app"))
        // All three went up, so even replacing cannot add two more files today.
        _ = try ledger.record(bundleID: "app", day: today)
        let next = UploadPlanner.planOnDay(files: files(2, size: 10, firstIndex: 20), day: today, limits: limits)
        #expect(throws: LedgerError.self) { try ledger.reserve(plan: next, bundleID: "app", replacing: true) }
        _ = try ledger.cancel(bundleID: "app")
        let smaller = UploadPlanner.plan(files: files(2, size: 10, firstIndex: 20), limits: limits, startDay: today,
                                         used: try ledger.usage(from: today, days: 5))
        #expect(try ledger.reserve(plan: smaller, bundleID: "app", replacing: true).rows == 2)
        #expect(try ledger.reservations(bundleID: "app").filter { $0.state == .uploaded }.count == 3)
    }

    @Test func replacingDropsOnlyTheRowsNotYetUploaded() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let limits = try QuotaLimits(filesPerDay: 4)
        let first = UploadPlanner.plan(files: files(6, size: 10), limits: limits, startDay: today)
        _ = try ledger.reserve(plan: first, bundleID: "app")
        #expect(try ledger.record(bundleID: "app", day: today) == 4)
        let second = UploadPlanner.plan(files: files(3, size: 10, firstIndex: 100), limits: limits, startDay: tomorrow,
                                        used: try ledger.usage(from: tomorrow, days: 5))
        // Tomorrow held two of the first plan's files; replacing frees them before the check.
        #expect(second.days.map(\.day) == [tomorrow, day("2026-11-27")])
        let result = try ledger.reserve(plan: second, bundleID: "app", replacing: true)
        #expect(result.days.first?.before.files == 0)
        let rows = try ledger.reservations(bundleID: "app")
        #expect(rows.filter { $0.state == .uploaded }.count == 4)
        #expect(rows.filter { $0.state == .reserved }.count == 3)
    }

    @Test func recordMovesALateUploadToTheDayItHappened() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let plan = UploadPlanner.planOnDay(files: files(2, size: 10), day: today, limits: .koogallery)
        _ = try ledger.reserve(plan: plan, bundleID: "app")
        #expect(try ledger.record(bundleID: "app", day: today, uploadedOn: tomorrow) == 2)
        #expect(try ledger.status(day: today).entries.isEmpty)
        #expect(try ledger.status(day: tomorrow).entries.map(\.state) == [.uploaded, .uploaded])
        // Nothing left to record, but the bundle is known.
        #expect(try ledger.record(bundleID: "app") == 0)
    }

    @Test func unknownBundlesAreReportedByName() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        let recordError = try #require(throws: LedgerError.self) { try ledger.record(bundleID: "nope") }
        #expect(recordError.kind == .unknownBundle(bundleID: "nope"))
        #expect(recordError.description == "ledger \(ledger.path): no reservations for bundle nope")
        let cancelError = try #require(throws: LedgerError.self) { try ledger.cancel(bundleID: "nope") }
        #expect(cancelError.kind == .unknownBundle(bundleID: "nope"))
        #expect(try ledger.reservations(bundleID: "nope").isEmpty)
    }

    @Test func anInterruptedReservationLeavesNothing() throws {
        struct Interrupted: Error {}
        let directory = try Scratch()
        let ledger = try open(directory)
        let plan = UploadPlanner.plan(files: files(5, size: 10), limits: try QuotaLimits(filesPerDay: 3), startDay: today)
        #expect(throws: LedgerError.self) {
            try ledger.reserve(plan: plan, bundleID: "app", replacing: false) { rows in
                if rows == 4 { throw Interrupted() }
            }
        }
        #expect(try ledger.reservations(bundleID: "app").isEmpty)
        #expect(try ledger.usage(from: today, days: 10).isEmpty)
        // A fresh ledger instance on the file sees nothing either, and the bundle can be booked.
        let reopened = try open(directory)
        #expect(try reopened.status(day: today).entries.isEmpty)
        #expect(try reopened.reserve(plan: plan, bundleID: "app").rows == 5)
    }

    @Test func inputTheLedgerCannotStoreIsRefusedNamingTheLedger() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        func plan(_ file: UploadFile) -> UploadPlan {
            UploadPlanner.planOnDay(files: [file], day: today, limits: .koogallery)
        }
        let badDigest = try #require(throws: LedgerError.self) {
            try ledger.reserve(plan: plan(UploadFile(name: "a", size: 1, sha256: "abc", role: "r")), bundleID: "x")
        }
        #expect(badDigest.description.contains(ledger.path))
        #expect(badDigest.description.contains("SHA-256 of a"))
        let notHex = String(repeating: "g", count: 64)
        #expect(throws: LedgerError.self) {
            try ledger.reserve(plan: plan(UploadFile(name: "a", size: 1, sha256: notHex, role: "r")), bundleID: "x")
        }
        #expect(throws: LedgerError.self) { try ledger.reserve(plan: plan(file("a", 1, index: 1)), bundleID: "") }
        #expect(throws: LedgerError.self) {
            try ledger.reserve(plan: plan(file("a", 1, index: 1)), bundleID: String(repeating: "b", count: 1025))
        }
        #expect(throws: LedgerError.self) {
            try ledger.reserve(plan: plan(file("a", UInt64(Int64.max) + 1, index: 1)), bundleID: "x")
        }
        #expect(throws: LedgerError.self) { try ledger.reserve(plan: plan(file("", 1, index: 1)), bundleID: "x") }
        #expect(try ledger.usage(from: today, days: 1).isEmpty)
    }

    @Test func theLedgerKeepsItsRowsAcrossReopening() throws {
        let directory = try Scratch()
        do {
            let ledger = try open(directory)
            _ = try ledger.reserve(plan: UploadPlanner.planOnDay(files: files(2, size: 7), day: today, limits: .koogallery),
                                   bundleID: "app")
        }
        let again = try open(directory)
        #expect(try again.status(day: today).usage == DayUsage(files: 2, bytes: 14, sha256s: [
            DayUsage.uploadKey(bundleID: "app", sha256: digest(1)), DayUsage.uploadKey(bundleID: "app", sha256: digest(2))]))
        // The schema was made once: GRDB's migration table lists each migration once.
        let applied = try again.queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1: reservations and release register", "v2: bundles by product, for superseding"])
    }

    @Test func openingMakesTheMissingDirectories() throws {
        let directory = try Scratch()
        let path = directory.file("data/koopack/nested/ledger.sqlite")
        let ledger = try Ledger(path: path, clock: .fixed(now))
        #expect(ledger.path == path)
        #expect(FileManager.default.fileExists(atPath: path))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("data/koopack"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func aFileThatIsNotALedgerIsReportedWithItsPath() throws {
        let directory = try Scratch()
        let path = try directory.write("not-a-ledger.sqlite", Array(repeating: 0x41, count: 4096))
        let error = try #require(throws: LedgerError.self) { try Ledger(path: path) }
        guard case .cannotOpen = error.kind else {
            Issue.record("expected cannotOpen, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("ledger \(path): cannot open"))
        // A directory where the ledger's directory should be.
        try directory.write("plain-file", [1])
        let blocked = try #require(throws: LedgerError.self) { try Ledger(path: directory.file("plain-file/ledger.sqlite")) }
        #expect(blocked.description.contains(directory.file("plain-file/ledger.sqlite")))
        #expect(throws: LedgerError.self) { try Ledger(path: "") }
    }

    @Test func theDefaultPathFollowsTheXDGBaseDirectoryRules() {
        #expect(Ledger.defaultPath(xdgDataHome: "/data/me", home: "/home/me") == "/data/me/koopack/ledger.sqlite")
        #expect(Ledger.defaultPath(xdgDataHome: "/data/me/", home: "/home/me") == "/data/me/koopack/ledger.sqlite")
        #expect(Ledger.defaultPath(xdgDataHome: nil, home: "/home/me") == "/home/me/.local/share/koopack/ledger.sqlite")
        #expect(Ledger.defaultPath(xdgDataHome: "", home: "/home/me") == "/home/me/.local/share/koopack/ledger.sqlite")
        // A relative XDG_DATA_HOME is invalid by the specification and ignored.
        #expect(Ledger.defaultPath(xdgDataHome: "relative", home: "/home/me") == "/home/me/.local/share/koopack/ledger.sqlite")
        #expect(Ledger.defaultPath(xdgDataHome: nil, home: nil) == nil)
        #expect(Ledger.defaultPath()?.hasSuffix("/koopack/ledger.sqlite") == true)
    }

    @Test func theReleaseRegisterRemembersImagesAndProducts() throws {
        let directory = try Scratch()
        let ledger = try open(directory)
        #expect(try ledger.releasedImageIDs().isEmpty)
        try ledger.registerRelease(imageIDs: ["img-1", "img-2"], region: "ap-southeast-3", bundleID: "app-1.0", day: today)
        try ledger.registerRelease(imageIDs: ["img-3"], productID: "OFFI123", region: "af-south-1", bundleID: "app-2.0", day: tomorrow)
        // The product ID learnt later fills the gap; a repeat without one does not erase it.
        try ledger.registerRelease(imageIDs: ["img-1"], productID: "OFFI100", bundleID: "app-1.0", day: today)
        try ledger.registerRelease(imageIDs: ["img-1"], bundleID: "app-1.0", day: today)
        #expect(try ledger.releasedImageIDs() == ["img-1", "img-2", "img-3"])
        #expect(try ledger.releasedProductIDs() == ["OFFI100", "OFFI123"])
        let records = try ledger.releases()
        #expect(records.map(\.imageID) == ["img-1", "img-2", "img-3"])
        #expect(records.first?.productID == "OFFI100")
        #expect(records.first?.region == "ap-southeast-3")
        #expect(records.first?.recordedAt == now)
        #expect(records.last?.day == tomorrow)
        #expect(throws: LedgerError.self) { try ledger.registerRelease(imageIDs: [""], bundleID: "x", day: today) }
    }
}
