import ArgumentParser
import DiskImage
import ImagePackage
import QuotaLedger
import ReleaseBundle
import ReleasePolicy

/// `koopack audit`: which of a seller's images are locked by a release, billed, or derived
/// from one, across every region.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List which images are locked by a release, billed as market images, or derived from one.",
        discussion: """
            With --cloud, the account is read from IMS itself: every image of each --region \
            (every allowed region by default), the seller's project in each region taken from \
            IAM, so no --owner is needed; a region that fails is reported and the others still \
            audited (exit 2). Paths given as well add to what IMS lists.

            Inputs are IMS image lists as JSON (one image object, a list, or the {"images": [...]} \
            response of GET /v2/cloudimages; one file per region, the region taken from --region, \
            a `region` key, or the file name such as images-ap-southeast-3.json), folders of such \
            files, and image files with their metadata sidecars. The register of releases that \
            `koopack bundle` keeps in the ledger marks images as released; --released-list adds \
            product or image IDs known to be released.

            Each image gets one state with its evidence and the seller's next step: locked \
            (released), market (a KooGallery image, billed on use), public, market-derived (made \
            from a market or locked image: lineage is followed through __originalimagename and \
            image copies across regions, with loop detection), encrypted, shared, full-ecs, \
            not-releasable (refused by another release rule), or releasable. The text is grouped \
            by region and fits a 100-column terminal: a row of name, ID and state per image, \
            its evidence, next step and notes on indented lines below; --format json and csv \
            are for machines.

            Exit status: 0, or 1 when an image that a release file given with --release names is \
            not releasable; 2 when an input cannot be read.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, csv
    }

    @Option(name: .long, help: "Output format: text (grouped by region), json or csv.")
    var format: OutputFormat = .text

    @OptionGroup var seller: SellerOptions
    @OptionGroup var policy: PolicyOptions

    @Option(name: .long, help: ArgumentHelp("The ledger whose release register marks bundled images as released (default: $XDG_DATA_HOME/koopack/ledger.sqlite, when it exists).", valueName: "file"))
    var ledger: String?

    @OptionGroup var released: ReleasedListOptions
    @OptionGroup var cloud: CloudLookupOptions

    @Option(name: .long, help: ArgumentHelp("Only these states, comma-separated (e.g. locked,market-derived).", valueName: "states"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("A release.yaml: exit 1 when any image it names is not releasable.", valueName: "file"))
    var release: String?

    @Argument(help: ArgumentHelp("IMS list files, folders, or image files with sidecars (none needed with --cloud).", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty && !cloud.cloud { throw ValidationError("give an IMS list file, a folder or an image, or --cloud") }
        if let state {
            do { _ = try AuditReport.states(named: state) } catch { throw ValidationError("--state: \(error)") }
        }
    }

    func run() async throws {
        var failed = false
        var account = ImageAccount()
        var register = ReleaseRegister()
        var releaseIDs: [String] = []
        let profile: PolicyProfile
        do { profile = try policy.profile() } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        // IMS first: an image also in a file given keeps IMS's answer (the account warns of the difference).
        let owners = cloud.cloud ? await CloudAudit.add(to: &account, regions: seller.regions, profile: profile, cloud: cloud, failed: &failed) : [:]
        // The list files are parsed on all cores while the ledger and the release are read.
        async let parsed = AuditInputs.readDocumentsInBackground(paths)
        do {
            register = try released.register().merging(try AuditInputs.ledgerRegister(ledger))
            if let release {
                let loaded = try Release.load(path: release)
                releaseIDs = try AuditInputs.imageIDs(of: loaded, account: &account)
            }
        } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        let documents = await parsed
        account.reserveCapacity(documents.values.reduce(0) { $0 + ((try? $1.get())?.count ?? 0) })
        for path in paths {
            do {
                try AuditInputs.add(path, region: seller.region, to: &account, documents: documents)
            } catch {
                Terminal.diagnose("\(error)")
                failed = true
            }
        }
        let full = ReleasePolicy.audit(account, register: register, owners: owners, sellerOwner: seller.owner, profile: profile)
        for warning in full.warnings { Terminal.diagnose("\(warning.file): \(warning.message)") }
        let report = try state.map { full.filtered(states: try AuditReport.states(named: $0)) } ?? full
        switch format {
        case .text: Terminal.write(AuditText.render(report))
        case .json: AuditJSON.write(report)
        case .csv: Terminal.write(AuditCSV.render(report))
        }
        let status: Int32 = failed ? 2 : AuditInputs.allReleasable(releaseIDs, in: full, release: release ?? "release") ? 0 : 1
        // Exit here, with the account and the report still held: the exit frees them at once,
        // where returning would free ten thousand images' metadata one value at a time.
        withExtendedLifetime((documents, account, full, report)) { Terminal.exit(status) }
    }
}
