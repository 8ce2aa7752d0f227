import DiskImage
import Findings
import GuestScan
import ImagePackage
import ReleasePolicy

/// `check --root DIR`: the image about to be made from a live root (on the ECS, before the
/// image exists) judged by its metadata (`--metadata FILE --image-id ID`, or IMS's with
/// `--cloud --image-id ID`) as an IMS image with no file is, and the scan of DIR in place of the
/// guest scan it could not have: KG401-KG417 from the live root instead of "not scanned".
enum LiveRootCheck {
    static func run(root: String, options: DiscoveryOptions, context: CheckContext,
                    cloud: CloudLookupOptions, regions: [String]) async -> [Result<ImageCheckResult, ImageError>] {
        var metadataOnly = context
        metadataOnly.scan = false
        let judged: [Result<ImageCheckResult, ImageError>]
        if cloud.cloud {
            judged = await CloudCheck.run(arguments: [], options: options, context: metadataOnly, cloud: cloud, regions: regions)
        } else {
            do {
                let input = try Self.input(root: root, options: options)
                judged = [.success(ImageCheck.run(imsImage: input, context: metadataOnly))]
            } catch {
                return [.failure((error as? ImageError) ?? ImageError(.invalid, file: options.metadataFile ?? root, "\(error)"))]
            }
        }
        guard context.scan else { return judged }
        return judged.map { outcome in
            guard case var .success(result) = outcome else { return outcome }
            do {
                let scan = try LiveRootScan.scan(directory: root, metadata: result.input.metadata)
                result.findings = (result.findings + scan.findings.map(Self.raisingDenied)).inReportOrder()
                result.report.info.warnings.append("the guest is the live root \(root), scanned in place of the image's disk")
                result.report.info.warnings += scan.warnings.map { "not read: \($0)" }
                return .success(result)
            } catch {
                return .failure((error as? ImageError)?.attributed(to: root) ?? ImageError(.io, file: root, "\(error)"))
            }
        }
    }

    /// A file of the root koopack was not allowed to read (KG410) is a warning in a check, not
    /// a note: a root scanned in part must not pass as eligible outright, and `--strict` fails it.
    static func raisingDenied(_ finding: Finding) -> Finding {
        guard finding.ruleID == .scanNotDone, finding.evidence("reason") == LiveRootScan.deniedReason else { return finding }
        var raised = finding
        raised.severity = .warning
        return raised
    }

    /// The image `--metadata` describes (picked by `--image-id` from a list), named for the
    /// root it will be made from.
    static func input(root: String, options: DiscoveryOptions) throws -> ImageInput {
        guard let file = options.metadataFile else {
            throw ImageError(.invalid, file: root, "check --root needs the image's metadata: --metadata FILE [--image-id ID], or --cloud --image-id ID")
        }
        let images = try IMSMetadata.parseDocument(try HostFiles.readSmallFile(file, limit: 16 << 20), file: file)
        guard let metadata = IMSMetadata.pick(from: images, imageID: options.imageID, imageFileName: nil) else {
            throw ImageError(.invalid, file: file, options.imageID.map { "holds no image with id \($0)" }
                ?? "holds \(images.count) images: give --image-id to pick one")
        }
        var input = IMSMetadataOverlay.input(imsImage: metadata, region: metadata.region ?? "")
        input.displayName = "\(root) (image \(metadata.id ?? metadata.name ?? "?"))"
        input.metadataFile = file
        return input
    }
}
