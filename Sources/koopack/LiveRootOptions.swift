import ArgumentParser
import DiskImage
import GuestScan
import ImagePackage

/// `--root DIR`: a directory read as the guest's root filesystem instead of an image (a mounted
/// image, or `/` on the ECS before the image is made). Read-only; symlinks resolve inside DIR.
struct LiveRootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Scan this directory as the guest's root (a mounted image, or / on the ECS before making the image) instead of an image.", valueName: "dir"))
    var root: String?

    /// The scan of the root with the metadata `--metadata`/`--image-id` pick, named as the
    /// directory; one line on standard error and nil when it cannot be had.
    func scan(metadataFile: String?, imageID: String?, includePackages: Bool = false) -> ScanResult? {
        guard let root else { return nil }
        do {
            var metadata: IMSMetadata?
            if let metadataFile {
                let bytes = try HostFiles.readSmallFile(metadataFile, limit: 16 << 20)
                metadata = IMSMetadata.pick(from: try IMSMetadata.parseDocument(bytes, file: metadataFile), imageID: imageID, imageFileName: nil)
            }
            let report = try LiveRootScan.scan(directory: root, metadata: metadata, includePackages: includePackages)
            return ScanResult(image: root, metadataFile: metadataFile, report: report)
        } catch {
            Terminal.diagnose((error as? ImageError)?.attributed(to: root).description ?? "\(root): \(error)")
            return nil
        }
    }
}
