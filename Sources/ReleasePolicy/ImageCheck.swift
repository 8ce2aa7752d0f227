import DiskImage
import Findings
import GuestScan
import ImagePackage

/// Facts about the release that no image's metadata carries, given on the command line or by a
/// release file: where the image lives, who the seller is, what is already released.
public struct CheckContext: Sendable {
    public var regionOverride: String?
    public var releaseFileRegions: [String]
    public var sellerOwner: String?
    public var releasedIDs: Set<String>
    public var profile: PolicyProfile
    /// Whether to read the guest's disk (partitions, boot mode) for KG102 and KG115.
    public var readGuest: Bool
    /// Whether to add the security scan's findings (KG401–KG410), read through the guest's disk
    /// the check opened; needs `readGuest`.
    public var scan: Bool

    public init(regionOverride: String? = nil, releaseFileRegions: [String] = [], sellerOwner: String? = nil,
                releasedIDs: Set<String> = [], profile: PolicyProfile = .kooGallery, readGuest: Bool = true,
                scan: Bool = false) {
        self.regionOverride = regionOverride
        self.releaseFileRegions = releaseFileRegions
        self.sellerOwner = sellerOwner
        self.releasedIDs = releasedIDs
        self.profile = profile
        self.readGuest = readGuest
        self.scan = scan
    }
}

/// One image judged: what was read of it, how it was classified, what the rules found.
public struct ImageCheckResult: Sendable {
    /// The input as it was read (header facts, guest view, metadata, package facts).
    public var report: ImageReport
    public var imageCase: ImageCase
    public var classification: Classification
    public var findings: [Finding]

    /// Where the image was found and its metadata.
    public var input: ImageInput { report.input }
    /// The header facts and the guest view.
    public var info: ImageInfo { report.info }

    /// The verdict, warnings counting as failures when `strict`.
    public func verdict(strict: Bool) -> Verdict { Verdict(findings: findings, strict: strict) }
}

/// Judges an image read by `ImageReport` against the release rules.
public enum ImageCheck {
    /// Reads `input` (`ImageReport.read`; its guest when `context.readGuest`) and judges it.
    /// Throws an `ImageError` naming the input when its header cannot be read at all.
    public static func run(_ input: ImageInput, context: CheckContext) throws -> ImageCheckResult {
        run(try ImageReport.read(input, readGuest: context.readGuest), context: context)
    }

    /// Evaluates every KG1xx rule on `report` and, when `context.scan`, adds the security
    /// scan's findings. Findings come in report order.
    public static func run(_ report: ImageReport, context: CheckContext) -> ImageCheckResult {
        let input = report.input
        let imageCase = ImageCase(
            fileName: input.displayName, info: report.info, guest: report.info.guest.map(GuestFacts.init),
            metadata: input.metadata, packageBytes: input.packageBytes, dataDiskCount: input.dataDiskCount,
            regionOverride: context.regionOverride, releaseFileRegions: context.releaseFileRegions,
            sellerOwner: context.sellerOwner, releasedIDs: context.releasedIDs)
        var findings = evaluate(imageCase, profile: context.profile)
        if context.scan { findings = (findings + securityFindings(report)).inReportOrder() }
        return ImageCheckResult(report: report, imageCase: imageCase, classification: Classification(imageCase),
                                findings: findings)
    }

    /// KooGallery's security scan of the guest's root filesystem (KG401–KG410), through the
    /// guest's disk the report opened. A guest that could not be opened or read gets the scan's
    /// own note (KG410), not an error: the header rules have already said what is wrong with it.
    static func securityFindings(_ report: ImageReport) -> [Finding] {
        switch report.guest {
        case let .success(opened)?:
            switch opened.view {
            case let .success(view):
                return GuestScanner.scan(disk: opened.disk, view: view, metadata: report.input.metadata).findings
            case let .failure(error):
                return [ScanNotDone.guestNotOpened(error).finding]
            }
        case let .failure(error)?:
            return [ScanNotDone.guestNotOpened(error).finding]
        case nil:
            return []
        }
    }
}
