import QuotaLedger

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One release bundle written and booked as a unit: its files are copied and hashed into a
/// hidden folder (write), planned onto upload days on top of what the ledger holds (plan), laid
/// out with their manifest, entered in the journal of pending bundles and reserved in the
/// ledger (reserve), then renamed into place (commit). Whatever stops it before the rename
/// leaves neither a bundle nor a reservation; a process killed on the way is settled by the
/// next run (`BundleRepair`).
public struct BundleTransaction: Sendable {
    /// The release being bundled.
    public var release: Release
    /// Its files, as `BundleItem.items(of:)` lists them.
    public var items: [BundleItem]
    /// The quota the days are planned under.
    public var limits: QuotaLimits
    /// The ledger the days are reserved in.
    public var ledger: Ledger
    /// "Now", for the quota's day and the manifest's time.
    public var clock: UploadClock
    /// Hard-link files into the bundle instead of copying them.
    public var link: Bool
    /// How many files are copied at once.
    public var width: Int
    /// The IMS image IDs entered in the release register once the bundle is in place.
    public var imageIDs: [String]
    /// The region recorded with them.
    public var region: String?

    /// How often planning and reserving is retried when another process books the same days
    /// between the plan and the reservation: each retry re-plans on the fresh ledger, and a
    /// writer that skips the lock file can only win a few times.
    public static let maximumReserveAttempts = 50

    public init(release: Release, items: [BundleItem], limits: QuotaLimits, ledger: Ledger, clock: UploadClock,
                link: Bool = false, width: Int = 1, imageIDs: [String] = [], region: String? = nil) {
        self.release = release
        self.items = items
        self.limits = limits
        self.ledger = ledger
        self.clock = clock
        self.link = link
        self.width = width
        self.imageIDs = imageIDs
        self.region = region
    }

    /// Writes the bundle at `out`. `counter` counts the bytes copied and `copied` is called once
    /// every file is in (for a progress display); `stop`, once raised (by a signal handler),
    /// stops the copy and undoes everything done so far.
    public func run(out: String, counter: ByteCounter, stop: StopFlag,
                    copied: () -> Void = {}) async -> BundleOutcome {
        let stage: BundleStage
        do { stage = try BundleStage(finalPath: out) } catch { return .failed(error.description) }
        let staged: [StagedFile]
        do {
            staged = try await stage.copyIn(items, link: link, width: width, counter: counter, stop: stop)
        } catch {
            copied()
            stage.discard()
            return outcome(of: error, stop: stop)
        }
        copied()

        let bundleID = BundleTransaction.newBundleID(product: release.product.name, today: clock.today(limits))
        let journal = PendingBundles(ledgerPath: ledger.path)
        let lock = LedgerLock(ledgerPath: ledger.path)
        lock.acquire()
        defer { lock.release() }
        var reserved: UploadPlan?
        var superseded: [SupersededBundle] = []
        var manifest: BundleManifest?
        for _ in 0..<BundleTransaction.maximumReserveAttempts {
            if stop.isRaised { break }
            let plan: UploadPlan
            do { plan = try self.plan(staged) } catch {
                stage.discard()
                return .failed(error.description)
            }
            if !plan.leftOut.isEmpty {
                stage.discard()
                return .noUploadDay(plan)
            }
            do {
                let written = try layOut(staged, on: plan, in: stage, bundleID: bundleID)
                manifest = written
                if stop.isRaised { break }
                try journal.record(bundleID: bundleID, finalPath: stage.finalPath, partialPath: stage.partialPath)
            } catch {
                stage.discard()
                return outcome(of: error, stop: stop)
            }
            do {
                superseded = try ledger.reserve(plan: plan, bundleID: bundleID, productKey: productKey).superseded
                reserved = plan
                break
            } catch let error where error.isQuotaRefusal {
                continue
            } catch {
                journal.remove(bundleID: bundleID)
                stage.discard()
                return .failed(error.description)
            }
        }
        BundleTransaction.faultPoint("after-reserve")
        guard let plan = reserved, let manifest, !stop.isRaised else {
            if reserved != nil { _ = try? ledger.cancel(bundleID: bundleID) }
            journal.remove(bundleID: bundleID)
            stage.discard()
            if stop.isRaised { return .interrupted(signal: max(0, stop.signal)) }
            return .failed("ledger \(ledger.path): other bundles kept taking the planned days; nothing was reserved")
        }
        do {
            try stage.commit()
        } catch {
            _ = try? ledger.cancel(bundleID: bundleID)
            journal.remove(bundleID: bundleID)
            stage.discard()
            return outcome(of: error, stop: stop)
        }
        journal.remove(bundleID: bundleID)
        lock.release()
        var written = BundleWritten(manifest: manifest, plan: plan, path: stage.finalPath, ledgerPath: ledger.path,
                                    superseded: superseded)
        if !imageIDs.isEmpty, let first = plan.days.first?.day {
            do {
                try ledger.registerRelease(imageIDs: imageIDs, region: region, bundleID: bundleID, day: first)
            } catch {
                written.registerFailure = "\(error)"
            }
        }
        return .written(written)
    }

    /// The release's product as the ledger knows it: bundling the same release again
    /// supersedes the earlier bundle's reservations not yet uploaded.
    var productKey: String { BundleIDs.productKey(ofProduct: release.product.name) }

    /// The upload days of the staged files, from today on, on top of what the ledger holds
    /// (less the reservations this bundle supersedes).
    func plan(_ staged: [StagedFile]) throws(LedgerError) -> UploadPlan {
        let uploads = staged.map { UploadFile(name: $0.item.name, size: $0.hashed.size, sha256: $0.hashed.sha256, role: $0.item.role) }
        let today = clock.today(limits)
        return UploadPlanner.plan(files: uploads, limits: limits, startDay: today,
                                  used: try ledger.usage(from: today, days: Ledger.maximumUsageWindowDays,
                                                         supersedingProduct: productKey))
    }

    /// Moves the staged files into their days' folders and writes the manifest for `plan`.
    func layOut(_ staged: [StagedFile], on plan: UploadPlan, in stage: BundleStage,
                bundleID: String) throws(BundleError) -> BundleManifest {
        let days = plan.days.enumerated().map { BundleManifest.Day(index: $0.offset + 1, date: $0.element.day.description) }
        var dayByName: [String: BundleManifest.Day] = [:]
        for (day, planned) in zip(days, plan.days) { for file in planned.files { dayByName[file.name] = day } }
        let files = try stage.layOut(staged) { dayByName[$0] }
        let manifest = BundleManifest(release: release, items: items, bundleID: bundleID, createdAt: clock.epochSeconds(),
                                      limits: limits, days: days, files: files)
        try stage.finish(manifest)
        return manifest
    }

    /// A failed step as an outcome: a stop asked for by a signal is an interruption; a file
    /// that failed is a failure, even though its worker raised `stop` to halt the others.
    func outcome(of error: BundleError, stop: StopFlag) -> BundleOutcome {
        if error.interrupted || stop.signal > 0 { return .interrupted(signal: max(0, stop.signal)) }
        return .failed(error.description)
    }

    /// `acme-webstack-2-4-20261125-1a2b3c4d`: the product's name (`BundleIDs.productKey`), the
    /// day, and 32 random bits.
    public static func newBundleID(product: String, today: UploadDay) -> String {
        let slug = BundleIDs.productKey(ofProduct: product)
        let day = today.description.filter { $0 != "-" }
        var random = SystemRandomNumberGenerator()
        let suffix = String(UInt32.random(in: 0...UInt32.max, using: &random), radix: 16)
        return "\(slug)-\(day)-\(String(repeating: "0", count: 8 - suffix.count))\(suffix)"
    }

    /// Kills the process with SIGKILL at the named point when `KOOPACK_FAULT` names it: a
    /// testing aid proving that a crash there leaves neither a bundle nor a reservation behind.
    static func faultPoint(_ name: String) {
        guard let value = getenv("KOOPACK_FAULT"), String(cString: value) == name else { return }
        kill(getpid(), SIGKILL)
    }
}

/// How a bundle transaction ended.
public enum BundleOutcome: Sendable {
    /// The bundle is in place and its days are reserved.
    case written(BundleWritten)
    /// Some files fit no upload day (the plan's findings say which): nothing was written.
    case noUploadDay(UploadPlan)
    /// A signal stopped it (`signal`, or 0 when the copy stopped itself): nothing was left behind.
    case interrupted(signal: Int32)
    /// A file, the bundle folder or the ledger failed (the message says which): nothing was
    /// left behind.
    case failed(String)
}

/// A bundle that was written and reserved.
public struct BundleWritten: Sendable {
    public var manifest: BundleManifest
    /// The upload days reserved for it.
    public var plan: UploadPlan
    /// Its folder.
    public var path: String
    /// The ledger its days are reserved in.
    public var ledgerPath: String
    /// Why its images were not entered in the release register, when they were not.
    public var registerFailure: String?
    /// The earlier bundles of the same release it superseded (their reservations not yet
    /// uploaded were cancelled; their folders are left as they are).
    public var superseded: [SupersededBundle] = []
}

/// An advisory lock (`flock`) on `LEDGER.lock`, held by a bundle transaction from planning to
/// reserving, so that processes bundling at once take turns instead of planning the same free
/// days and retrying. The ledger's own transaction is what guarantees the quota; this only
/// keeps retries rare.
final class LedgerLock: @unchecked Sendable {
    private var descriptor: Int32 = -1
    let path: String

    init(ledgerPath: String) { path = ledgerPath + ".lock" }

    func acquire() {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
    }

    func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }
}
