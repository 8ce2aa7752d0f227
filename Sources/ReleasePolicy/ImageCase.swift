import DiskImage
import ImagePackage

/// What the guest reader learned about the disk's contents, as plain values.
public struct GuestFacts: Sendable, Equatable {
    public var partitionTable: PartitionTable
    public var boot: BootMode
    /// Whether a filesystem was found (in a partition, or on the whole disk).
    public var hasFilesystem: Bool

    public init(partitionTable: PartitionTable, boot: BootMode, hasFilesystem: Bool) {
        self.partitionTable = partitionTable
        self.boot = boot
        self.hasFilesystem = hasFilesystem
    }

    /// The facts of a guest view.
    public init(_ view: GuestView) {
        self.init(partitionTable: view.partitionTable, boot: view.boot, hasFilesystem: view.hasFilesystem)
    }
}

/// Everything the release rules judge about one image: its header facts, what its guest disk
/// holds, its IMS metadata, the package it travels in, and what the seller told koopack.
/// Every part may be missing; rules that need a missing part stay silent.
public struct ImageCase: Sendable {
    /// The image file's name as the user gave it, for messages.
    public var fileName: String
    /// The header facts, when the header was inspected.
    public var info: ImageInfo?
    /// The guest disk's partition table, boot mode and filesystems, when read.
    public var guest: GuestFacts?
    /// The image's IMS metadata (sidecar), when there is one.
    public var metadata: IMSMetadata?
    /// The total size in bytes of every file of the image package (0 when unknown).
    public var packageBytes: UInt64
    /// How many data disk images travel with this system disk in the package.
    public var dataDiskCount: Int
    /// The region given on the command line (`--region`), console name or ID.
    public var regionOverride: String?
    /// The regions the release file lists for this image's product.
    public var releaseFileRegions: [String]
    /// The seller's own project ID (`--owner`); an image owned by another project is shared.
    public var sellerOwner: String?
    /// Image IDs and product IDs known to be released (the release register and the seller).
    public var releasedIDs: Set<String>

    public init(fileName: String, info: ImageInfo? = nil, guest: GuestFacts? = nil,
                metadata: IMSMetadata? = nil, packageBytes: UInt64 = 0, dataDiskCount: Int = 0,
                regionOverride: String? = nil, releaseFileRegions: [String] = [],
                sellerOwner: String? = nil, releasedIDs: Set<String> = []) {
        self.fileName = fileName
        self.info = info
        self.guest = guest
        self.metadata = metadata
        self.packageBytes = packageBytes
        self.dataDiskCount = dataDiskCount
        self.regionOverride = regionOverride
        self.releaseFileRegions = releaseFileRegions
        self.sellerOwner = sellerOwner
        self.releasedIDs = releasedIDs
    }
}
