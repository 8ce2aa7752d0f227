import DiskImage
import ImagePackage

/// What the guest reader learned about the disk's contents, as plain values.
public struct GuestFacts: Sendable, Equatable {
    public var partitionTable: PartitionTable
    public var boot: BootMode
    /// Whether a filesystem was found (in a partition, or on the whole disk).
    public var hasFilesystem: Bool
    /// The number of the EFI system partition, when there is one (KG115's evidence).
    public var efiSystemPartition: Int?
    /// The number of the GPT BIOS boot partition, when there is one (KG115's evidence).
    public var biosBootPartition: Int?

    public init(partitionTable: PartitionTable, boot: BootMode, hasFilesystem: Bool,
                efiSystemPartition: Int? = nil, biosBootPartition: Int? = nil) {
        self.partitionTable = partitionTable
        self.boot = boot
        self.hasFilesystem = hasFilesystem
        self.efiSystemPartition = efiSystemPartition
        self.biosBootPartition = biosBootPartition
    }

    /// The facts of a guest view.
    public init(_ view: GuestView) {
        self.init(partitionTable: view.partitionTable, boot: view.boot, hasFilesystem: view.hasFilesystem,
                  efiSystemPartition: view.partitions.first(where: \.isEFISystemPartition)?.index,
                  biosBootPartition: view.partitions.first(where: { $0.type == GuestFacts.biosBootType })?.index)
    }

    /// The GPT partition type of a BIOS boot partition (GRUB's core image on a GPT disk).
    static let biosBootType = "21686148-6449-6e6f-744e-656564454649"

    /// What was seen on the disk that decides how it boots, in words: the EFI system
    /// partition, the BIOS boot partition, boot code in the MBR (present or not).
    public var bootEvidence: String {
        var seen: [String] = ["\(partitionTable.rawValue) partition table"]
        seen.append(efiSystemPartition.map { "EFI system partition \($0)" } ?? "no EFI system partition")
        if partitionTable == .gpt {
            seen.append(biosBootPartition.map { "BIOS boot partition \($0)" } ?? "no BIOS boot partition")
            // A GPT disk boots with BIOS through a BIOS boot partition or boot code in its
            // protective MBR (BootMode.of): without the one, BIOS booting means the other.
            seen.append(boot.bootsWithBIOS && biosBootPartition == nil ? "boot code in the protective MBR" : "no MBR boot code")
        } else if partitionTable == .mbr {
            seen.append(boot.bootsWithBIOS ? "MBR boot code or an active partition" : "no MBR boot code")
        }
        return seen.joined(separator: ", ")
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
