import ArgumentParser
import Findings
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

            With --cloud, a specification that names its image by id is judged from that \
            image's metadata in IMS (asked in the specification's regions, or each --region), \
            which wins over its metadata sidecar.

            KOOPACK_NOW=SECONDS (seconds since 1970) sets "now" for the quota's day, as a testing aid.

            An image known only by its ID is unchecked (KG122, a warning): the bundle is still \
            written unless --strict, which makes any warning fail. Bundling the same release \
            (same product name) again supersedes the earlier bundle: its reservations not yet \
            recorded as uploaded are cancelled, its folder is left as it is.

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

    @OptionGroup var seller: SellerOptions
    @OptionGroup var policy: PolicyOptions
    @OptionGroup var strictness: StrictOptions
    @OptionGroup var cloud: CloudLookupOptions

    func run() async throws {
        let limits = try quota.limits()
        let loaded: Release
        let profile: PolicyProfile
        do { profile = try policy.profile() } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        do {
            loaded = try Release.load(path: release)
        } catch let error as ReleaseFileError {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        } catch {
            Terminal.diagnose("\(release): \(error)")
            throw ExitCode(2)
        }
        var info = stat()
        if lstat(out, &info) == 0 {
            Terminal.diagnose("\(out) already exists: give a new folder for the bundle")
            throw ExitCode(2)
        }
        let items: [BundleItem]
        do { items = try BundleItem.items(of: loaded) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }

        // 1. Judge the release: images, documents, and files too large for any upload day.
        let review = cloud.cloud ? await CloudBundle.review(loaded, seller: seller, cloud: cloud, profile: profile)
            : await ReleaseReview.run(loaded, region: seller.region, owner: seller.owner, profile: profile)
        for problem in review.unreadable { Terminal.diagnose(problem) }
        if !review.unreadable.isEmpty { throw ExitCode(2) }
        let quotaFindings = items.filter { $0.size > limits.bytesPerDay }
            .map { QuotaBreach.fileOverDailyQuota(name: $0.name, size: $0.size, sha256: nil, bytesPerDay: limits.bytesPerDay).finding }
        let blocked = review.blocks(strict: strictness.strict) || !quotaFindings.isEmpty
        if blocked || review.hasFindings { Terminal.write(BundleText.review(review, quota: quotaFindings, strict: strictness.strict)) }
        if blocked {
            Terminal.write("not bundled: the release is not eligible\n")
            throw ExitCode(1)
        }

        // 2. Write, plan, reserve, commit.
        let transaction = BundleTransaction(
            release: loaded, items: items, limits: limits, ledger: try quota.openSettledLedger(near: out),
            clock: QuotaOptions.clock(), link: link, width: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
            imageIDs: review.imageIDs, region: review.registerRegion)
        signal(SIGINT) { interruption.raise(signal: $0) }
        signal(SIGTERM) { interruption.raise(signal: $0) }
        let counter = ByteCounter()
        let bar = ProgressBar.start("bundle", total: items.reduce(UInt64(0)) { $0 + $1.size }, counter: counter)
        let outcome = await transaction.run(out: out, counter: counter, stop: interruption) { bar?.finish() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        switch outcome {
        case let .written(bundle):
            if let failure = bundle.registerFailure {
                Terminal.diagnose("the bundle was written, but its images were not entered in the release register: \(failure)")
            }
            Terminal.write(BundleText.written(bundle))
            if bundle.registerFailure != nil { throw ExitCode(2) }
        case let .noUploadDay(plan):
            Terminal.write(BundleText.quotaFindings(plan.breaches.map(\.finding)) + "not bundled: some files fit no upload day\n")
            throw ExitCode(1)
        case let .interrupted(signal):
            throw ExitCode(128 + signal)
        case let .failed(message):
            Terminal.diagnose(message)
            throw ExitCode(2)
        }
    }
}

/// Stops long copies on SIGINT or SIGTERM, so that the hidden folder is removed before exit.
let interruption = StopFlag()
