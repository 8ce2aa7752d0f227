import Foundation
import Testing
import QuotaLedger
@testable import ReleaseBundle

/// The bundle transaction on a copy of the example release: a bundle in place with its days
/// reserved, or, whatever stops it, neither a bundle nor a reservation.
@Suite struct BundleTransactionTests {
    /// 2025-11-25 00:00:00 in GMT+08:00.
    static let now: Int64 = 1_764_000_000
    static let day = UploadDay("2025-11-25")!

    /// The example release copied (with a stand-in image), its ledger, and where its bundle goes.
    struct Setup {
        let example: ExampleRelease
        let release: Release
        let ledger: Ledger
        var out: String { example.root.appendingPathComponent("bundle").path }

        init() throws {
            example = try ExampleRelease()
            release = try Release.load(path: example.yamlPath)
            ledger = try Ledger(path: example.root.appendingPathComponent("ledger.sqlite").path, clock: .fixed(BundleTransactionTests.now))
        }

        func transaction(limits: QuotaLimits = .koogallery, imageIDs: [String] = []) throws -> BundleTransaction {
            BundleTransaction(release: release, items: try BundleItem.items(of: release), limits: limits, ledger: ledger,
                              clock: .fixed(BundleTransactionTests.now), width: 2, imageIDs: imageIDs, region: "ap-southeast-3")
        }

        /// The bundle and hidden partial bundles in the folder that would hold the bundle.
        func entries() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: example.root.path)
                .filter { $0 == "bundle" || $0.hasPrefix(".bundle") }.sorted()
        }

        func reservedFiles() throws -> Int { try ledger.status(day: BundleTransactionTests.day).entries.count }
    }

    @Test func aBundleIsWrittenItsDaysReservedAndItsImagesRegistered() async throws {
        let setup = try Setup()
        defer { setup.example.remove() }
        let transaction = try setup.transaction(imageIDs: ["3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44"])
        let outcome = await transaction.run(out: setup.out, counter: ByteCounter(), stop: StopFlag())
        guard case let .written(bundle) = outcome else { Issue.record("not written: \(outcome)"); return }
        #expect(bundle.path == setup.out && bundle.registerFailure == nil)
        #expect(bundle.manifest.files.count == transaction.items.count)
        // sha256sum, not koopack, proves the files.
        #expect(try Tool.capture("sha256sum", ["--quiet", "-c", "SHA256SUMS"], in: setup.out).status == 0)
        #expect(try setup.reservedFiles() == transaction.items.count)
        #expect(try setup.ledger.releases().map(\.imageID) == ["3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44"])
        #expect(try setup.entries() == ["bundle"])
    }

    @Test func aFileThatVanishesBeforeItIsCopiedFailsNamingItAndLeavesNothing() async throws {
        let setup = try Setup()
        defer { setup.example.remove() }
        let transaction = try setup.transaction()
        try FileManager.default.removeItem(at: setup.example.folder.appendingPathComponent("software/install-agent.sh"))
        let outcome = await transaction.run(out: setup.out, counter: ByteCounter(), stop: StopFlag())
        guard case let .failed(message) = outcome else { Issue.record("not a failure: \(outcome)"); return }
        #expect(message.contains("install-agent.sh"))
        #expect(try setup.entries() == [])
        #expect(try setup.reservedFiles() == 0)
    }

    @Test func aStopAskedForBySignalLeavesNeitherBundleNorReservation() async throws {
        let setup = try Setup()
        defer { setup.example.remove() }
        let stop = StopFlag()
        stop.raise(signal: 15)
        let outcome = try await setup.transaction().run(out: setup.out, counter: ByteCounter(), stop: stop)
        guard case let .interrupted(signal) = outcome else { Issue.record("not interrupted: \(outcome)"); return }
        #expect(signal == 15)
        #expect(try setup.entries() == [])
        #expect(try setup.reservedFiles() == 0)
    }

    @Test func filesLargerThanADaysQuotaGiveThePlanAndNoBundle() async throws {
        let setup = try Setup()
        defer { setup.example.remove() }
        let limits = try QuotaLimits(filesPerDay: 100, bytesPerDay: 1000, timeZoneOffsetSeconds: 8 * 3600)
        let outcome = try await setup.transaction(limits: limits).run(out: setup.out, counter: ByteCounter(), stop: StopFlag())
        guard case let .noUploadDay(plan) = outcome else { Issue.record("not refused: \(outcome)"); return }
        #expect(!plan.leftOut.isEmpty)
        #expect(plan.breaches.map(\.finding).contains { $0.ruleID == .fileOverDailyQuota })
        #expect(try setup.entries() == [])
        #expect(try setup.reservedFiles() == 0)
    }
}
