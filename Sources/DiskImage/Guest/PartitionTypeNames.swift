/// Human names for partition types, as fdisk and sgdisk print them, so a report can say "EFI
/// System" rather than a bare number or GUID.
enum PartitionTypeNames {
    /// The GPT type GUID of an EFI system partition.
    static let efiSystemGUID = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
    /// The GPT type GUID of a BIOS boot partition (GRUB's core image on a GPT disk).
    static let biosBootGUID = "21686148-6449-6e6f-744e-656564454649"
    /// The MBR type byte of an EFI system partition.
    static let efiSystemMBRType: UInt8 = 0xEF
    /// The MBR type byte of the protective partition that covers a GPT disk.
    static let gptProtectiveMBRType: UInt8 = 0xEE
    /// MBR type bytes that hold an extended partition (a chain of EBRs).
    static let extendedMBRTypes: Set<UInt8> = [0x05, 0x0F, 0x85]

    /// The name of MBR type `type`, nil when koopack does not know it.
    static func mbr(_ type: UInt8) -> String? {
        switch type {
        case 0x01: "FAT12"
        case 0x04: "FAT16 <32M"
        case 0x05: "Extended"
        case 0x06: "FAT16"
        case 0x07: "HPFS/NTFS/exFAT"
        case 0x0B: "W95 FAT32"
        case 0x0C: "W95 FAT32 (LBA)"
        case 0x0E: "W95 FAT16 (LBA)"
        case 0x0F: "W95 Ext'd (LBA)"
        case 0x11: "Hidden FAT12"
        case 0x12: "Compaq diagnostics"
        case 0x14: "Hidden FAT16 <32M"
        case 0x16: "Hidden FAT16"
        case 0x17: "Hidden HPFS/NTFS"
        case 0x1B: "Hidden W95 FAT32"
        case 0x1C: "Hidden W95 FAT32 (LBA)"
        case 0x1E: "Hidden W95 FAT16 (LBA)"
        case 0x27: "Hidden NTFS WinRE"
        case 0x42: "SFS"
        case 0x82: "Linux swap / Solaris"
        case 0x83: "Linux"
        case 0x85: "Linux extended"
        case 0x86: "NTFS volume set"
        case 0x87: "NTFS volume set"
        case 0x8E: "Linux LVM"
        case 0xA5: "FreeBSD"
        case 0xA6: "OpenBSD"
        case 0xA8: "Darwin UFS"
        case 0xA9: "NetBSD"
        case 0xAF: "HFS / HFS+"
        case 0xBF: "Solaris"
        case 0xDA: "Non-FS data"
        case 0xDE: "Dell Utility"
        case 0xEE: "GPT"
        case 0xEF: "EFI (FAT-12/16/32)"
        case 0xFB: "VMware VMFS"
        case 0xFC: "VMware VMKCORE"
        case 0xFD: "Linux raid autodetect"
        default: nil
        }
    }

    /// The name of GPT type GUID `guid` (lower-case text), nil when koopack does not know it.
    static func gpt(_ guid: String) -> String? { gptNames[guid] }

    private static let gptNames: [String: String] = [
        efiSystemGUID: "EFI System",
        biosBootGUID: "BIOS boot",
        "024dee41-33e7-11d3-9d69-0008c781f39f": "MBR partition scheme",
        "0fc63daf-8483-4772-8e79-3d69d8477de4": "Linux filesystem",
        "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f": "Linux swap",
        "e6d6d379-f507-44c2-a23c-238f2a3df928": "Linux LVM",
        "a19d880f-05fc-4d3b-a006-743f0f84911e": "Linux RAID",
        "933ac7e1-2eb4-4f13-b844-0e14e2aef915": "Linux home",
        "3b8f8425-20e0-4f3b-907f-1a25a76f98e8": "Linux server data",
        "4d21b016-b534-45c2-a9fb-5c16e091fd2d": "Linux variable data",
        "7ec6f557-3bc5-4aca-b293-16ef5df639d1": "Linux temporary data",
        "44479540-f297-41b2-9af7-d131d5f0458a": "Linux root (x86)",
        "4f68bce3-e8cd-4db1-96e7-fbcaf984b709": "Linux root (x86-64)",
        "69dad710-2ce4-4e3c-b16c-21a1d49abed3": "Linux root (ARM)",
        "b921b045-1df0-41c3-af44-4c6f280d3fae": "Linux root (ARM-64)",
        "bc13c2ff-59e6-4262-a352-b275fd6f7172": "Linux extended boot",
        "ca7d7ccb-63ed-4c53-861c-1742536059cc": "Linux LUKS",
        "8da63339-0007-60c0-c436-083ac8230908": "Linux reserved",
        "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7": "Microsoft basic data",
        "e3c9e316-0b5c-4db8-817d-f92df00215ae": "Microsoft reserved",
        "de94bba4-06d1-4d40-a16a-bfd50179d6ac": "Windows recovery environment",
        "5808c8aa-7e8f-42e0-85d2-e1e90434cfb3": "Microsoft LDM metadata",
        "af9b60a0-1431-4f62-bc68-3311714a69ad": "Microsoft LDM data",
        "48465300-0000-11aa-aa11-00306543ecac": "Apple HFS/HFS+",
        "7c3457ef-0000-11aa-aa11-00306543ecac": "Apple APFS",
        "6a898cc3-1dd2-11b2-99a6-080020736631": "Solaris /usr & Apple ZFS",
    ]
}
