/// How a guest disk boots, judged from its partitions: what KooGallery's firmware type
/// (`hw_firmware_type`) must agree with. The raw value is the text reports print.
public enum BootMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A BIOS boot sector or BIOS boot partition, and no EFI system partition.
    case bios
    /// An EFI system partition, and no BIOS boot path.
    case uefi
    /// Both boot paths.
    case biosAndUEFI = "bios+uefi"
    /// Neither.
    case none

    public var description: String { rawValue }

    /// Whether a BIOS firmware can boot the disk.
    public var bootsWithBIOS: Bool { self == .bios || self == .biosAndUEFI }
    /// Whether a UEFI firmware can boot the disk.
    public var bootsWithUEFI: Bool { self == .uefi || self == .biosAndUEFI }

    /// `uefi` when there is an EFI system partition (GPT type C12A7328-… or MBR type 0xEF);
    /// `bios` when an MBR disk has an active partition or boot code, or a GPT disk has a BIOS
    /// boot partition or boot code in its protective MBR; both when both; else `none`.
    static func of(table: PartitionTable, partitions: [GuestPartition], mbr: MasterBootRecord?) -> BootMode {
        let uefi = partitions.contains(where: \.isEFISystemPartition)
        let bios: Bool
        switch table {
        case .gpt:
            bios = partitions.contains { $0.type == PartitionTypeNames.biosBootGUID } || mbr?.hasBootCode == true
        case .mbr:
            bios = mbr?.hasActivePartition == true || mbr?.hasBootCode == true
        case .none:
            bios = false
        }
        switch (bios, uefi) {
        case (true, true): return .biosAndUEFI
        case (true, false): return .bios
        case (false, true): return .uefi
        case (false, false): return .none
        }
    }
}
