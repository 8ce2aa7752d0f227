import ArgumentParser
import ImagePackage
import ReleasePolicy

/// What the seller knows about the images that their metadata may not say: whose they are
/// (`--owner`) and where they live (`--region`). Shared by check, bundle and audit.
struct SellerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The seller's project ID: images owned by another project are shared (tells images shared by the seller from images shared with the seller).", valueName: "project-id"))
    var owner: String?

    @Option(name: .customLong("region"), help: ArgumentHelp("The region the images live in (console name or region ID), when their metadata (or an IMS list's file name) does not say; with --cloud, a region to ask (repeat for several; default: every allowed region).", valueName: "region"))
    var regions: [String] = []

    /// The region the images live in: the last `--region` given (as a single option reads).
    var region: String? { regions.last }
}

/// `--released-list`: IDs the seller knows were released. Shared by check and audit.
struct ReleasedListOptions: ParsableArguments {
    @Option(name: .customLong("released-list"), help: ArgumentHelp("A file of image or product IDs already released, one per line.", valueName: "file"))
    var releasedList: String?

    /// The IDs of the list, or an empty register when none was given.
    func register() throws -> ReleaseRegister {
        guard let releasedList else { return ReleaseRegister() }
        return try ReleaseRegister.parseList(try TextFiles.read(releasedList), file: releasedList)
    }
}

/// `--metadata` and `--image-id`: IMS metadata for the images from one file instead of their
/// sidecars. Shared by check and scan.
struct MetadataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("IMS metadata for the images (one image object, a list, or an IMS list response), instead of their sidecars.", valueName: "file"))
    var metadata: String?

    @Option(name: .customLong("image-id"), help: ArgumentHelp("Pick the image with this ID from a metadata list.", valueName: "id"))
    var imageID: String?

    /// How images are found with these options.
    var discovery: DiscoveryOptions { DiscoveryOptions(metadataFile: metadata, imageID: imageID) }
}

/// Text or JSON output.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
