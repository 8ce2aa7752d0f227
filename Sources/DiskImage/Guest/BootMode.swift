/// How a guest disk boots, judged from its partitions: what KooGallery's firmware type
/// (`hw_firmware_type`) must agree with.
public enum BootMode: String, Sendable {
    case bios
    case uefi
    case biosAndUEFI = "bios+uefi"
    case none

    /// `uefi` when there is an EFI system partition (GPT type C12A7328-… or MBR type 0xEF);
    /// `bios` when an MBR disk has an active partition or boot code, or a GPT disk has a BIOS
    /// boot partition or boot code in its protective MBR; both when both; else `none`.
    static func of(table: String, partitions: [GuestPartition], mbr: MasterBootRecord?) -> BootMode {
        let efiMBRType = MasterBootRecord.typeText(PartitionTypeNames.efiSystemMBRType)
        let uefi = partitions.contains { $0.type == PartitionTypeNames.efiSystemGUID || $0.type == efiMBRType }
        let bios: Bool
        switch table {
        case "gpt":
            bios = partitions.contains { $0.type == PartitionTypeNames.biosBootGUID } || mbr?.hasBootCode == true
        case "mbr":
            bios = mbr?.hasActivePartition == true || mbr?.hasBootCode == true
        default:
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
