import ArgumentParser
import DiskImage
import Findings
import ImagePackage
import QuotaLedger
import ReleaseBundle
import ReleasePolicy

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `koopack bundle`: validate a whole release, write its bundle, reserve its upload days.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Check a release (images and documents), then write its upload bundle and reserve quota.",
        discussion: """
            Reads RELEASE.yaml (see koopack-release(5)), judges every specification's image \
            (KG1xx) and the documents and product details (KG2xx). With any error, the findings \
            are printed and nothing is written (exit 1).

            Otherwise every file is read once, hashed (SHA-256) while copied (or hard-linked with \
            --link) into the bundle, planned onto upload days that keep the daily quota \
            (KG3xx) on top of what the ledger already holds, and laid out as day-01/, day-02/, \
            ... with manifest.json and SHA256SUMS (`sha256sum -c SHA256SUMS` works in the bundle). \
            The days are then reserved in the ledger and the bundle's images entered in its \
            release register.

            The bundle is written in a hidden folder .DIR.partial-PID beside DIR and renamed to \
            DIR only when complete, after its quota is reserved; so an interruption leaves no DIR \
            and no reservation. SIGINT and SIGTERM remove the hidden folder; after a kill -9 or a \
            crash, the next koopack run that opens the ledger removes it and cancels any \
            reservation it made (see `LEDGER.pending/`).

            KOOPACK_NOW=SECONDS (seconds since 1970) sets "now" for the quota's day, as a testing aid.

            Exit status: 0 bundle written, 1 the release is not eligible, 2 a usage error, an \
            unreadable input, DIR already exists, or the ledger refused.
            """)

    @Argument(help: ArgumentHelp("The release description.", valueName: "release.yaml"))
    var release: String

    @Option(name: .long, help: ArgumentHelp("The bundle folder to create (must not exist).", valueName: "dir"))
    var out: String

    @OptionGroup var quota: QuotaOptions

    @Flag(name: .long, help: "Hard-link files into the bundle instead of copying (copies across file systems).")
    var link = false

    @Option(name: .long, help: ArgumentHelp("The region the images live in (console name or region ID), when the metadata does not say.", valueName: "region"))
    var region: String?

    @Option(name: .long, help: ArgumentHelp("The seller's project ID: images owned by another project are shared.", valueName: "project-id"))
    var owner: String?

    /// How often planning and reserving is retried when another process books the same days
    /// between the plan and the reservation: each retry re-plans on the fresh ledger, and a
    /// writer that skips the lock file can only win a few times.
    static let maximumReserveAttempts = 50

    func run() async throws {
        let limits = try quota.limits()
        let loaded: Release
        do {
            loaded = try Release.load(path: release)
        } catch let error as ReleaseFileError {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        } catch {
            Terminal.diagnose("\(release): \(error)")
            throw ExitCode(2)
        }
        if existsOrDangling(out) {
            Terminal.diagnose("\(out) already exists: give a new folder for the bundle")
            throw ExitCode(2)
        }
        let items: [BundleItem]
        do { items = try BundleItem.items(of: loaded) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }

        // 1. Judge the release: images, documents, and files too large for any upload day.
        let review = await ReleaseReview.run(loaded, region: region, owner: owner)
        for problem in review.unreadable { Terminal.diagnose(problem) }
        if !review.unreadable.isEmpty { throw ExitCode(2) }
        var quotaFindings: [Finding] = []
        for item in items where item.size > limits.bytesPerDay {
            quotaFindings.append(QuotaBreach.fileOverDailyQuota(name: item.name, size: item.size, sha256: nil, bytesPerDay: limits.bytesPerDay).finding)
        }
        let blocked = review.hasErrors || !quotaFindings.isEmpty
        if blocked || review.hasFindings || !quotaFindings.isEmpty {
            Terminal.write(review.text + (quotaFindings.isEmpty ? "" : "upload quota\n" + FindingLines.render(quotaFindings)))
        }
        if blocked {
            Terminal.write("not bundled: the release is not eligible\n")
            throw ExitCode(1)
        }

        // 2. Write, plan, reserve, commit.
        let ledger = try quota.openLedger()
        BundleRepair.settle(ledger, near: out)
        let writer = BundleRun(release: loaded, items: items, limits: limits, ledger: ledger, link: link,
                               imageIDs: review.imageIDs, region: review.registerRegion)
        let status = await writer.run(out: out)
        if status != 0 { throw ExitCode(status) }
    }

    func existsOrDangling(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

/// Stops long copies on SIGINT or SIGTERM, so that the hidden folder is removed before exit.
let interruption = StopFlag()

/// One bundle being written: copy and hash, plan, lay out, reserve, rename.
struct BundleRun {
    let release: Release
    let items: [BundleItem]
    let limits: QuotaLimits
    let ledger: Ledger
    let link: Bool
    let imageIDs: [String]
    let region: String?

    /// Writes the bundle at `out`; returns the exit status.
    func run(out: String) async -> Int32 {
        signal(SIGINT) { interruption.raise(signal: $0) }
        signal(SIGTERM) { interruption.raise(signal: $0) }
        defer {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        let stage: BundleStage
        do { stage = try BundleStage(finalPath: out) } catch {
            Terminal.diagnose(error.description)
            return 2
        }
        let counter = ByteCounter()
        let total = items.reduce(UInt64(0)) { $0 + $1.size }
        let bar = ProgressBar.start("bundle", total: total, counter: counter)
        let width = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let staged: [StagedFile]
        do {
            staged = try await stage.copyIn(items, link: link, width: width, counter: counter, stop: interruption)
        } catch {
            bar?.finish()
            stage.discard()
            return report(error)
        }
        bar?.finish()

        let bundleID = BundleRun.newBundleID(product: release.product.name, clock: QuotaOptions.clock(), limits: limits)
        let journal = PendingBundles(ledgerPath: ledger.path)
        let lock = LedgerLock(ledgerPath: ledger.path)
        lock.acquire()
        defer { lock.release() }
        var reserved: UploadPlan?
        var manifest: BundleManifest?
        for _ in 0..<BundleCommand.maximumReserveAttempts {
            if interruption.isRaised { break }
            let uploads = staged.map { UploadFile(name: $0.item.name, size: $0.hashed.size, sha256: $0.hashed.sha256, role: $0.item.role) }
            let today = QuotaOptions.clock().today(limits)
            let plan: UploadPlan
            do {
                plan = UploadPlanner.plan(files: uploads, limits: limits, startDay: today,
                                          used: try ledger.usage(from: today, days: Ledger.maximumUsageWindowDays))
            } catch {
                stage.discard()
                Terminal.diagnose(error.description)
                return 2
            }
            if !plan.leftOut.isEmpty {
                stage.discard()
                Terminal.write("upload quota\n" + FindingLines.render(plan.breaches.map(\.finding)) + "not bundled: some files fit no upload day\n")
                return 1
            }
            do {
                let days = plan.days.enumerated().map { BundleManifest.Day(index: $0.offset + 1, date: $0.element.day.description) }
                var dayByName: [String: BundleManifest.Day] = [:]
                for (day, planned) in zip(days, plan.days) { for file in planned.files { dayByName[file.name] = day } }
                let files = try stage.layOut(staged) { dayByName[$0] }
                let written = makeManifest(bundleID: bundleID, days: days, files: files)
                try stage.finish(written)
                manifest = written
                if interruption.isRaised { break }
                try journal.record(bundleID: bundleID, finalPath: stage.finalPath, partialPath: stage.partialPath)
            } catch {
                stage.discard()
                return report(error)
            }
            do {
                _ = try ledger.reserve(plan: plan, bundleID: bundleID)
                reserved = plan
                break
            } catch let error where error.isQuotaRefusal {
                continue
            } catch {
                journal.remove(bundleID: bundleID)
                stage.discard()
                Terminal.diagnose(error.description)
                return 2
            }
        }
        BundleRun.faultPoint("after-reserve")
        guard let plan = reserved, let manifest, !interruption.isRaised else {
            if reserved != nil { _ = try? ledger.cancel(bundleID: bundleID) }
            journal.remove(bundleID: bundleID)
            stage.discard()
            if interruption.isRaised { return 128 + max(0, interruption.signal) }
            Terminal.diagnose("ledger \(ledger.path): other bundles kept taking the planned days; nothing was reserved")
            return 2
        }
        do {
            try stage.commit()
        } catch {
            _ = try? ledger.cancel(bundleID: bundleID)
            journal.remove(bundleID: bundleID)
            stage.discard()
            return report(error)
        }
        journal.remove(bundleID: bundleID)
        lock.release()
        var status: Int32 = 0
        if !imageIDs.isEmpty, let first = plan.days.first?.day {
            do {
                try ledger.registerRelease(imageIDs: imageIDs, region: region, bundleID: bundleID, day: first)
            } catch {
                Terminal.diagnose("the bundle was written, but its images were not entered in the release register: \(error)")
                status = 2
            }
        }
        Terminal.write(summary(manifest, plan: plan, path: stage.finalPath))
        return status
    }

    func report(_ error: BundleError) -> Int32 {
        if error.interrupted || interruption.isRaised { return 128 + max(0, interruption.signal) }
        Terminal.diagnose(error.description)
        return 2
    }

    func makeManifest(bundleID: String, days: [BundleManifest.Day], files: [BundleManifest.File]) -> BundleManifest {
        var regions: [String] = []
        for spec in release.specifications { for region in spec.regions where !regions.contains(region) { regions.append(region) } }
        let nameOf: (ReleaseFile?) -> String? = { file in
            guard let file else { return nil }
            return self.items.first { $0.source == file.path }?.name
        }
        let specifications = release.specifications.map { spec -> BundleManifest.SpecificationEntry in
            var imageFile: String?, imageID: String?
            switch spec.image.source {
            case .file(let file): imageFile = nameOf(file)
            case .imsID(let id): imageID = id
            }
            return BundleManifest.SpecificationEntry(name: spec.name, imageFile: imageFile, imageID: imageID,
                                                     metadataFile: nameOf(spec.image.metadata), regions: spec.regions)
        }
        return BundleManifest(bundleID: bundleID, createdAt: QuotaOptions.clock().epochSeconds(),
                              product: release.product.name, pricingMode: release.pricing.mode.rawValue,
                              pricingTemplate: release.pricing.template.rawValue, isPublic: release.isPublic,
                              regions: regions, specifications: specifications, filesPerDay: limits.filesPerDay,
                              bytesPerDay: limits.bytesPerDay, timeZone: limits.timeZoneName, days: days, files: files)
    }

    func summary(_ manifest: BundleManifest, plan: UploadPlan, path: String) -> String {
        let bytes = manifest.files.reduce(UInt64(0)) { $0 + $1.size }
        var out = "bundle \(Terminal.bold(path)) (\(manifest.bundleID)): \(manifest.files.count) files, \(Sizes.describe(bytes))\n"
        for day in manifest.days {
            let files = manifest.files.filter { $0.day == day }
            let dayBytes = files.reduce(UInt64(0)) { $0 + $1.size }
            out += "  \(day.directory)  \(day.date) (\(manifest.timeZone)): \(files.count) file\(files.count == 1 ? "" : "s"), \(Sizes.describe(dayBytes))\n"
        }
        out += "reserved in ledger \(ledger.path)\n"
        return out
    }

    /// `acme-webstack-2-4-20261125-1a2b3c4d`: the product's name, the day, and 32 random bits.
    static func newBundleID(product: String, clock: UploadClock, limits: QuotaLimits) -> String {
        var slug = ""
        for character in product.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug.append("-")
            }
            if slug.count >= 40 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "bundle" }
        let day = clock.today(limits).description.filter { $0 != "-" }
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

/// Settling bundles that a killed process left half-done.
enum BundleRepair {
    /// Cancels the reservations of bundles whose process died between reserving and renaming
    /// (recorded beside the ledger), and removes hidden `.NAME.partial-PID` folders of dead
    /// processes beside `out` (cancelling the bundle their manifest names, if it was reserved
    /// but never committed). Problems are reported and otherwise ignored: this is cleanup.
    static func settle(_ ledger: Ledger, near out: String? = nil) {
        let journal = PendingBundles(ledgerPath: ledger.path)
        for entry in journal.stale() {
            if !PendingBundles.wasCommitted(entry) {
                cancel(ledger, entry.bundleID)
                BundleStage.removeTree(entry.partialPath)
            }
            journal.remove(bundleID: entry.bundleID)
        }
        guard let out else { return }
        for partial in BundleStage.stalePartials(near: out) {
            if let id = partial.bundleID, (try? BundleVerifier.manifest(of: out))?.bundleID != id {
                cancel(ledger, id)
            }
            BundleStage.removeTree(partial.path)
            Terminal.diagnose("removed \(partial.path), left by process \(partial.pid), which no longer runs")
        }
    }

    static func cancel(_ ledger: Ledger, _ bundleID: String) {
        do {
            let rows = try ledger.cancel(bundleID: bundleID)
            if rows > 0 { Terminal.diagnose("cancelled \(rows) reservations of bundle \(bundleID), which was never completed") }
        } catch {
            if case .unknownBundle = error.kind { return }
            Terminal.diagnose(error.description)
        }
    }

    /// The bundle ID of `argument`: the ID in the manifest when it is a bundle folder, else the
    /// argument itself.
    static func bundleID(_ argument: String) -> String {
        (try? BundleVerifier.manifest(of: argument))?.bundleID ?? argument
    }
}

/// An advisory lock (`flock`) on `LEDGER.lock`, held by `koopack bundle` from planning to
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

/// The release judged: each image against KG1xx, the documents against KG2xx.
struct ReleaseReview {
    var text = ""
    var hasErrors = false
    var hasFindings = false
    var unreadable: [String] = []
    /// IMS image IDs of the bundled images (from their metadata, or named in the release).
    var imageIDs: [String] = []
    /// The region recorded in the release register: the first specification's first region.
    var registerRegion: String?

    static func run(_ release: Release, region: String?, owner: String?) async -> ReleaseReview {
        var review = ReleaseReview()
        review.registerRegion = release.specifications.first?.regions.first
        struct Job: Sendable {
            var spec: Specification
            var input: ImageInput
            var context: CheckContext
            /// The image as release.yaml names it (an archive member keeps its own name).
            var title: String
        }
        var jobs: [Job] = []
        for spec in release.specifications {
            let context = CheckContext(regionOverride: region, releaseFileRegions: spec.regions, sellerOwner: owner)
            switch spec.image.source {
            case .file(let file):
                do {
                    let inputs = try ImageDiscovery.discover(file.path, options: DiscoveryOptions(metadataFile: spec.image.metadata?.path))
                    for input in inputs {
                        jobs.append(Job(spec: spec, input: input, context: context,
                                        title: input.displayName == file.path ? file.written : input.displayName))
                    }
                } catch {
                    review.unreadable.append("\(file.written) (\(file.key)): \(error)")
                }
            case .imsID(let id):
                var metadata: IMSMetadata?
                if let file = spec.image.metadata {
                    do {
                        let bytes = try BundleStage.readSmallFile(file.path, limit: IMSMetadata.maximumDocumentBytes)
                        metadata = IMSMetadata.pick(from: try IMSMetadata.parseDocument(bytes, file: file.written), imageID: id, imageFileName: nil)
                    } catch {
                        review.unreadable.append("\(file.written) (\(file.key)): \(error)")
                        continue
                    }
                }
                let findings = evaluate(ImageCase(fileName: "IMS image \(id)", metadata: metadata, regionOverride: region,
                                                  releaseFileRegions: spec.regions, sellerOwner: owner), profile: context.profile)
                review.imageIDs.append(id)
                review.add("specification \(spec.name): IMS image \(id)", findings)
            }
        }
        let results: [Result<ImageCheckResult, Error>] = await parallelMap(jobs) { job in
            do { return .success(try ImageCheck.run(job.input, context: job.context)) }
            catch { return .failure(error) }
        }
        for (job, result) in zip(jobs, results) {
            switch result {
            case .success(let checked):
                if let id = checked.input.metadata?.id, !review.imageIDs.contains(id) { review.imageIDs.append(id) }
                review.add("specification \(job.spec.name): \(job.title)", checked.findings)
            case .failure(let error):
                review.unreadable.append("\(job.input.displayName): \(error)")
            }
        }
        review.add("documents", checkDocuments(release))
        return review
    }

    /// Adds one section: its title with a verdict, then its findings most severe first.
    mutating func add(_ title: String, _ findings: [Finding]) {
        let verdict: String
        if findings.contains(where: { $0.severity == .error }) {
            hasErrors = true
            verdict = Terminal.red("not eligible")
        } else if findings.contains(where: { $0.severity == .warning }) {
            verdict = Terminal.yellow("eligible with warnings")
        } else {
            verdict = Terminal.green("eligible")
        }
        if !findings.isEmpty { hasFindings = true }
        text += "\(Terminal.bold(title)): \(verdict)\n" + FindingLines.render(findings)
    }
}
