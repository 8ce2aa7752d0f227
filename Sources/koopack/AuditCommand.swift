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
            not-releasable (refused by another release rule), or releasable.

            Exit status: 0, or 1 when an image that a release file given with --release names is \
            not releasable; 2 when an input cannot be read.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, csv
    }

    @Option(name: .long, help: "Output format: text (grouped by region), json or csv.")
    var format: OutputFormat = .text

    @Option(name: .long, help: ArgumentHelp("The region of every list given, when neither the list nor its file name says.", valueName: "region"))
    var region: String?

    @Option(name: .long, help: ArgumentHelp("The seller's project ID (tells images shared by the seller from images shared with the seller).", valueName: "project-id"))
    var owner: String?

    @Option(name: .long, help: ArgumentHelp("The ledger whose release register marks bundled images as released (default: $XDG_DATA_HOME/koopack/ledger.sqlite, when it exists).", valueName: "file"))
    var ledger: String?

    @Option(name: .customLong("released-list"), help: ArgumentHelp("A file of product or image IDs known to be released, one per line.", valueName: "file"))
    var releasedList: String?

    @Option(name: .long, help: ArgumentHelp("Only these states, comma-separated (e.g. locked,market-derived).", valueName: "states"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("A release.yaml: exit 1 when any image it names is not releasable.", valueName: "file"))
    var release: String?

    @Argument(help: ArgumentHelp("IMS list files, folders, or image files with sidecars.", valueName: "path"))
    var paths: [String]

    func run() async throws {
        var failed = false
        var account = ImageAccount()
        var register = ReleaseRegister()
        var releaseIDs: [String] = []
        do {
            if let releasedList { register = try ReleaseRegister.parseList(try TextFiles.read(releasedList), file: releasedList) }
            register = register.merging(try ledgerRegister())
            if let release {
                let loaded = try Release.load(path: release)
                releaseIDs = try AuditInputs.imageIDs(of: loaded, account: &account)
            }
        } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        for path in paths {
            do {
                try AuditInputs.add(path, region: region, to: &account)
            } catch {
                Terminal.diagnose("\(error)")
                failed = true
            }
        }
        let full = ReleasePolicy.audit(account, register: register, sellerOwner: owner)
        var report = full
        for warning in report.warnings { Terminal.diagnose("\(warning.file): \(warning.message)") }
        if let state {
            do { report = report.filtered(states: try AuditReport.states(named: state)) }
            catch { throw ValidationError("--state: \(error)") }
        }
        switch format {
        case .text:
            Terminal.write(report.text)
        case .json: Terminal.write(report.json.serialized(indent: 2) + "\n")
        case .csv: Terminal.write(report.csv)
        }
        if failed { throw ExitCode(2) }
        var blocked = false
        let entries = releaseIDs.isEmpty ? [:] : Dictionary(full.entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for id in releaseIDs {
            guard let entry = entries[id] else {
                Terminal.diagnose("\(release ?? "release"): image \(id) is not in the lists given, so its state is unknown")
                blocked = true
                continue
            }
            if entry.state != .releasable {
                Terminal.diagnose("\(release ?? "release"): image \(id) (\(entry.name ?? "unnamed")) is \(entry.state.rawValue), not releasable: \(entry.nextStep)")
                blocked = true
            }
        }
        if blocked { throw ExitCode(1) }
    }

    /// The release register of the ledger (the one named, or the default one when it exists):
    /// the images of every bundle recorded as uploaded with `koopack quota record`. A bundle
    /// that was only written has not been released yet, so its images are not locked.
    private func ledgerRegister() throws -> ReleaseRegister {
        let path = ledger ?? Ledger.defaultPath().flatMap { HostFiles.exists($0) ? $0 : nil }
        guard let path else { return ReleaseRegister() }
        let opened = try Ledger(path: path)
        var register = ReleaseRegister()
        var uploaded: [String: Bool] = [:]
        for record in try opened.releases() {
            if uploaded[record.bundleID] == nil {
                uploaded[record.bundleID] = try opened.reservations(bundleID: record.bundleID).contains { $0.state == .uploaded }
            }
            guard uploaded[record.bundleID] == true else { continue }
            register.releasedImageIDs.insert(record.imageID)
            if let product = record.productID { register.releasedProductIDs.insert(product) }
        }
        return register
    }
}

/// How `audit` reads its paths.
enum AuditInputs {
    /// A JSON list file, a folder of them (and of sidecars), or an image file with its sidecar.
    static func add(_ path: String, region: String?, to account: inout ImageAccount) throws {
        if HostFiles.isDirectory(path) {
            for name in try HostFiles.list(path).sorted() where FilePaths.pathExtension(name) == "json" {
                try addDocument(path + "/" + name, region: region, to: &account)
            }
        } else if FilePaths.pathExtension(path) == "json" {
            try addDocument(path, region: region, to: &account)
        } else {
            for input in try ImageDiscovery.discover(path, options: DiscoveryOptions()) {
                guard let metadata = input.metadata else {
                    throw ImageError(.invalid, file: input.displayName, "has no IMS metadata sidecar (NAME.json), so its state cannot be told")
                }
                try account.add(image: metadata, region: region, source: input.displayName)
            }
        }
    }

    static func addDocument(_ path: String, region: String?, to account: inout ImageAccount) throws {
        try account.add(document: try HostFiles.readSmallFile(path, limit: ImageAccount.maximumDocumentBytes),
                        file: path, region: region)
    }

    /// The IMS image IDs a release names: given as IDs, or in its images' metadata sidecars
    /// (which join the account, so an image that is in no list is still judged).
    static func imageIDs(of release: Release, account: inout ImageAccount) throws -> [String] {
        var ids: [String] = []
        for specification in release.specifications {
            switch specification.image.source {
            case let .imsID(id):
                ids.append(id)
            case let .file(file):
                let options = DiscoveryOptions(metadataFile: specification.image.metadata?.path)
                for input in try ImageDiscovery.discover(file.path, options: options) {
                    guard let metadata = input.metadata, let id = metadata.id else {
                        throw ImageError(.invalid, file: release.file, "specification \(specification.name): image \(file.written) has no IMS metadata with an id")
                    }
                    ids.append(id)
                    if account.image(id: id) == nil {
                        try account.add(image: metadata, region: specification.regions.first, source: input.metadataFile ?? file.path)
                    }
                }
            }
        }
        return ids
    }
}
