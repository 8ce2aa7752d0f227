import DiskImage
import Findings
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

    public init(regionOverride: String? = nil, releaseFileRegions: [String] = [], sellerOwner: String? = nil,
                releasedIDs: Set<String> = [], profile: PolicyProfile = .kooGallery, readGuest: Bool = true) {
        self.regionOverride = regionOverride
        self.releaseFileRegions = releaseFileRegions
        self.sellerOwner = sellerOwner
        self.releasedIDs = releasedIDs
        self.profile = profile
        self.readGuest = readGuest
    }
}

/// One image judged: what was read of it, how it was classified, what the rules found.
public struct ImageCheckResult: Sendable {
    public var input: ImageInput
    public var info: ImageInfo
    public var imageCase: ImageCase
    public var classification: Classification
    public var findings: [Finding]
    /// The guest's disk as it was opened for the guest view, or why it could not be; nil when the
    /// guest was not asked for. The security scan reads the guest's files through it.
    public var guestDisk: Result<any ByteSource, ImageError>?

    /// The verdict, warnings counting as failures when `strict`.
    public func verdict(strict: Bool) -> Verdict { Verdict(findings: findings, strict: strict) }
}

/// Reads an image found by `ImageDiscovery` and judges it against the release rules.
public enum ImageCheck {
    /// Inspects `input` (header, backing chain, guest view) and evaluates every KG1xx rule.
    /// `dataDiskCount` is how many data disks travel in the same package. Throws an
    /// `ImageError` naming the image when its header cannot be read at all.
    public static func run(_ input: ImageInput, dataDiskCount: Int, context: CheckContext) throws -> ImageCheckResult {
        if let problem = input.unreadable { throw problem }
        let (info, guestDisk) = try inspect(input, readGuest: context.readGuest)
        let imageCase = ImageCase(
            fileName: input.displayName, info: info, guest: info.guest.map(GuestFacts.init),
            metadata: input.metadata, packageBytes: input.packageBytes, dataDiskCount: dataDiskCount,
            regionOverride: context.regionOverride, releaseFileRegions: context.releaseFileRegions,
            sellerOwner: context.sellerOwner, releasedIDs: context.releasedIDs)
        return ImageCheckResult(input: input, info: info, imageCase: imageCase,
                                classification: Classification(imageCase),
                                findings: evaluate(imageCase, profile: context.profile), guestDisk: guestDisk)
    }

    /// The header facts and, when asked, the guest view of `input`, from a file or an archive
    /// member. An archive member's related files (backing, extents) cannot be opened: the
    /// header still names them, which is what the self-containment rule needs. When the guest
    /// cannot be read from what the archive stream kept, `guest` stays nil (so no guest rule
    /// judges a disk it did not see) and a warning says why. The finding of the image itself
    /// (`input.warnings`) stays with the input, not the header facts.
    static func inspect(_ input: ImageInput, readGuest: Bool) throws -> (info: ImageInfo, disk: Result<any ByteSource, ImageError>?) {
        switch input.origin {
        case let .file(path):
            guard readGuest else { return (try ImageInspector().inspect(path: path), nil) }
            let (info, disk) = try ImageInspector().inspectWithGuestDisk(path: path)
            return (info, disk)
        case let .archiveMember(_, member):
            let inspector = ImageInspector(resolver: NoRelatedFiles())
            var info = try inspector.inspectHeader(member.source, filename: input.displayName)
            info.actualSize = member.size
            guard readGuest else { return (info, nil) }
            do {
                let (_, disk) = try inspector.openGuest(member.source, filename: input.displayName)
                info.guest = try GuestView.read(from: disk)
                return (info, .success(disk))
            } catch let error as ImageError {
                info.warnings.append("guest disk not read inside the archive: \(error.message)")
                return (info, .failure(error))
            }
        }
    }
}
