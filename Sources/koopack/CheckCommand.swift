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
        abstract: "Judge each image against KooGallery's release rules (KG101-KG123).",
        discussion: """
            An argument may be a disk image (with an optional sidecar NAME.json or NAME.EXT.json \
            holding its IMS metadata: one image object, a list, or an IMS list response \
            {"images": [...]}), a folder of images with their sidecars, or an archive (tar, \
            tar.gz, tar.zst, zip, OVA) whose images are read from the stream without extracting, \
            with metadata.json or NAME.json inside it as their metadata.

            With --cloud, each image's metadata is asked of IMS (signed with \
            HUAWEICLOUD_SDK_AK/SK; see `koopack ims images --help`) by --image-id or its \
            sidecar's id, in each --region or every allowed region: IMS's answer wins, and each \
            field where the sidecar differs is a warning. With --cloud --image-id and no file, \
            the IMS image is judged by its metadata alone. The project IMS answered for is the \
            seller's unless --owner says otherwise.

            Each image is classified (kind and provenance), then judged by every rule. Findings \
            are listed most severe first, each with its rule ID, evidence and remedy, and a \
            verdict: eligible, eligible with warnings, unchecked (known only by its ID: KG122), or \
            not eligible. --site picks the site's built-in profile (international, the default, or \
            eu: EU-Dublin only); --policy FILE overrides it.

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
    @OptionGroup var cloud: CloudLookupOptions

    @OptionGroup var policy: PolicyOptions
    @OptionGroup var live: LiveRootOptions

    @Flag(name: .long, help: "Fail on warnings too.")
    var strict = false

    @Flag(name: .long, help: "Do not read the guest's disk (partition table, boot mode); implies --no-scan.")
    var noGuest = false

    @Flag(name: .long, help: "Do not scan the guest's root filesystem for preset passwords, keys and history (KG401-KG417).")
    var noScan = false

    @Argument(help: ArgumentHelp("Image files, folders or archives (none with --cloud --image-id: the IMS image alone; none with --root DIR: the image --metadata or --cloud --image-id describes, with the scan of DIR).", valueName: "image"))
    var images: [String] = []

    func validate() throws {
        if live.root != nil {
            if !images.isEmpty { throw ValidationError("--root takes no image: it judges the image --metadata or --cloud --image-id describes") }
            if cloud.cloud ? imageID == nil : metadata == nil { throw ValidationError("--root needs --metadata FILE [--image-id ID], or --cloud --image-id ID") }
        } else if images.isEmpty && !(cloud.cloud && imageID != nil) { throw ValidationError("give an image, or --cloud --image-id ID") }
    }

    // The shared options under the names `run` reads them by.
    var metadata: String? { imageMetadata.metadata }
    var imageID: String? { imageMetadata.imageID }
    var region: String? { seller.region }
    var owner: String? { seller.owner }
    var releasedList: String? { released.releasedList }

    func run() async throws {
        var context = CheckContext(regionOverride: region, sellerOwner: owner, readGuest: !noGuest, scan: !noScan && !noGuest)
        do {
            context.profile = try policy.profile()
            if let releasedList {
                context.releasedIDs = try ReleaseRegister.parseList(try TextFiles.read(releasedList), file: releasedList).allIDs
            }
        } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        let options = DiscoveryOptions(metadataFile: metadata, imageID: imageID)
        let (results, unreadable) = diagnosingFailures(live.root != nil
            ? await LiveRootCheck.run(root: live.root ?? "/", options: options, context: context, cloud: cloud, regions: seller.regions)
            : cloud.cloud
            ? await CloudCheck.run(arguments: images, options: options, context: context, cloud: cloud, regions: seller.regions)
            : await CheckRun.run(arguments: images, options: options, context: context, verbose: cloud.connection.verbose))
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
    static func run(arguments: [String], options: DiscoveryOptions,
                    context: CheckContext, verbose: Bool = false) async -> [Result<ImageCheckResult, ImageError>] {
        await runOverImages(arguments, options: options, verbose: verbose) { input in try ImageCheck.run(input, context: context) }
    }
}
