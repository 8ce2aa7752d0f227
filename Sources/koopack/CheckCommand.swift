import ArgumentParser
import DiskImage
import Findings
import GuestScan
import ImagePackage
import ReleasePolicy

/// `koopack check`: may each image be released on KooGallery?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Judge each image against KooGallery's release rules (KG101-KG121).",
        discussion: """
            An argument may be a disk image (with an optional sidecar NAME.json or NAME.EXT.json \
            holding its IMS metadata: one image object, a list, or an IMS list response \
            {"images": [...]}), a folder of images with their sidecars, or an archive (tar, \
            tar.gz, tar.zst, zip, OVA) whose images are read from the stream without extracting, \
            with metadata.json or NAME.json inside it as their metadata.

            Each image is classified (kind and provenance), then judged by every rule. Findings \
            are listed most severe first, each with its rule ID, evidence and remedy, and a \
            verdict: eligible, eligible with warnings, or not eligible.

            Exit status: 0 when every image is eligible, 1 when any is not (or has warnings, with \
            --strict), 2 when an input could not be read.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, sarif
    }

    @Option(name: .long, help: "Output format: text, json or sarif (SARIF 2.1.0, for code scanning).")
    var format: OutputFormat = .text

    @OptionGroup var imageMetadata: MetadataOptions
    @OptionGroup var seller: SellerOptions
    @OptionGroup var released: ReleasedListOptions

    @Option(name: .long, help: ArgumentHelp("A YAML policy profile overriding KooGallery's defaults (allowed-regions, max-package-bytes, near-limit-bytes, accepted-formats, min-system-disk-gb, max-system-disk-gb).", valueName: "file"))
    var policy: String?

    @Flag(name: .long, help: "Fail on warnings too.")
    var strict = false

    @Flag(name: .long, help: "Do not read the guest's disk (partition table, boot mode); implies --no-scan.")
    var noGuest = false

    @Flag(name: .long, help: "Do not scan the guest's root filesystem for preset passwords, keys and history (KG401-KG410).")
    var noScan = false

    @Argument(help: ArgumentHelp("Image files, folders or archives.", valueName: "image"))
    var images: [String]

    // The shared options under the names `run` reads them by.
    var metadata: String? { imageMetadata.metadata }
    var imageID: String? { imageMetadata.imageID }
    var region: String? { seller.region }
    var owner: String? { seller.owner }
    var releasedList: String? { released.releasedList }

    func run() async throws {
        var context = CheckContext(regionOverride: region, sellerOwner: owner, readGuest: !noGuest)
        do {
            if let policy { context.profile = try PolicyProfile.load(yaml: try TextFiles.read(policy), file: policy) }
            if let releasedList {
                context.releasedIDs = try ReleaseRegister.parseList(try TextFiles.read(releasedList), file: releasedList).allIDs
            }
        } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        let options = DiscoveryOptions(metadataFile: metadata, imageID: imageID)
        let (results, unreadable) = diagnosingFailures(
            await CheckRun.run(arguments: images, options: options, context: context, scan: !noScan && !noGuest))
        switch format {
        case .text: Terminal.write(CheckText.render(results, strict: strict))
        case .json: JSONOutput.write(CheckJSON.render(results, strict: strict))
        case .sarif: SARIF.write(results.map { ($0.input.displayName, $0.findings) })
        }
        if unreadable { throw ExitCode(2) }
        if results.contains(where: { !$0.verdict(strict: strict).isEligible }) { throw ExitCode(1) }
    }
}

/// Finds and judges the images of every argument, in parallel, keeping argument order.
enum CheckRun {
    static func run(arguments: [String], options: DiscoveryOptions, context: CheckContext,
                    scan: Bool) async -> [Result<ImageCheckResult, ImageError>] {
        await runOverImages(arguments, options: options) { input, package, argument in
            var result = try ImageCheck.run(input, dataDiskCount: dataDiskCount(of: input, among: package, argument: argument),
                                            context: context)
            if scan { result.findings = (result.findings + securityFindings(result)).inReportOrder() }
            return result
        }
    }

    /// KooGallery's security scan, run on the guest's root filesystem (KG401-KG410) through the
    /// guest disk the check already opened. An image whose guest could not be opened gets the
    /// scan's own note (KG410), not an error: the header rules have already said what is wrong
    /// with it.
    static func securityFindings(_ result: ImageCheckResult) -> [Finding] {
        switch result.guestDisk {
        case let .success(disk)?:
            return GuestScanner.scan(disk: disk, view: result.info.guest, metadata: result.input.metadata).findings
        case let .failure(error)?:
            return [ScanNotDone.guestNotOpened(error).finding]
        case nil:
            return []
        }
    }

    /// Data disks that travel with an image in one package: images of the same folder or archive
    /// whose metadata says `DataImage`, and, in an OVA, every disk after the first (the OVF
    /// convention puts the system disk first).
    static func dataDiskCount(of input: ImageInput, among inputs: [ImageInput], argument: String) -> Int {
        guard inputs.count > 1, input.metadata?.virtualEnvType != "DataImage" else { return 0 }
        let marked = inputs.filter { $0.metadata?.virtualEnvType == "DataImage" }.count
        if FilePaths.pathExtension(argument) == "ova" {
            let isFirst = inputs.first?.displayName == input.displayName
            return isFirst ? max(marked, inputs.count - 1) : marked
        }
        return marked
    }
}
