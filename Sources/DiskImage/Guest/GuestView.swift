/// One partition of a guest disk, from an MBR (primary, extended or logical) or a GPT entry.
public struct GuestPartition: Sendable, Equatable {
    /// The partition's number as Linux gives it: the MBR slot 1–4, logical partitions from 5 on,
    /// or the GPT entry's position (1-based) in the entry array.
    public var index: Int
    /// Where the partition starts, in bytes from the start of the disk.
    public var start: UInt64
    /// The partition's length in bytes.
    public var size: UInt64
    /// The MBR type byte as `0x83`, or the GPT type GUID in lower case.
    public var type: String
    /// fdisk's or sgdisk's name for `type`, nil when koopack does not know the type.
    public var typeName: String?
    /// MBR: the active flag (0x80). GPT: the legacy-BIOS-bootable attribute (bit 2).
    public var bootable: Bool
    /// The GPT partition name; nil on MBR disks, which have none.
    public var name: String?
    /// The GPT entry's unique partition GUID; nil on MBR disks.
    public var partitionGUID: String?
    /// Whether this is an MBR extended partition (a container of logical partitions, not probed).
    public var isExtended: Bool = false
    /// The filesystem or volume signature found at the partition's start.
    public var filesystem: FilesystemSignature?

    /// Whether this is an EFI system partition: GPT type C12A7328-F81F-11D2-BA4B-00A0C93EC93B, or
    /// MBR type 0xEF.
    public var isEFISystemPartition: Bool {
        type == PartitionTypeNames.efiSystemGUID || type == MasterBootRecord.typeText(PartitionTypeNames.efiSystemMBRType)
    }

    public init(index: Int, start: UInt64, size: UInt64, type: String, typeName: String?, bootable: Bool,
                name: String? = nil, partitionGUID: String? = nil) {
        self.index = index
        self.start = start
        self.size = size
        self.type = type
        self.typeName = typeName
        self.bootable = bootable
        self.name = name
        self.partitionGUID = partitionGUID
    }
}

/// What a guest disk holds at the top: its partition table, each partition and the filesystem at
/// its start, and how the disk boots (BIOS, UEFI, both or neither). Read from the guest's disk
/// (the image's block map, not its file), with a few small reads; damaged tables give warnings,
/// not errors, because a seller needs to see everything that is wrong at once.
public struct GuestView: Sendable {
    /// The partition table found, or `.none`.
    public var partitionTable: PartitionTable
    /// How the disk boots (see `BootMode`).
    public var boot: BootMode
    /// The partitions in table order (MBR primaries, then logical partitions; GPT entry order).
    public var partitions: [GuestPartition]
    /// The filesystem an unpartitioned disk holds (its blkid name), nil when partitioned or unknown.
    public var filesystem: String? { wholeDiskFilesystem?.name }

    /// Whether a filesystem was found, on a partition or on the whole disk.
    public var hasFilesystem: Bool { wholeDiskFilesystem != nil || partitions.contains { $0.filesystem != nil } }
    /// The full signature of an unpartitioned disk's filesystem (label, UUID).
    public var wholeDiskFilesystem: FilesystemSignature?
    /// The MBR disk signature as `0x1234abcd`, or the GPT disk GUID.
    public var diskID: String?
    /// The sector size the table was read with (512, or 4096 for a GPT found at 4 KiB).
    public var sectorSize: UInt64
    /// Everything odd that was noticed: damaged headers, loops, partitions past the disk's end.
    public var warnings: [String]

    /// Reads the partition table and the filesystem signatures of `disk`, the guest's view of an
    /// image. Throws only when the disk cannot be read at all; damage is reported in `warnings`.
    public static func read(from disk: any ByteSource) throws -> GuestView {
        var view = GuestView(partitionTable: .none, boot: .none, partitions: [], wholeDiskFilesystem: nil,
                             diskID: nil, sectorSize: 512, warnings: [])
        let sector0 = try disk.read(at: 0, count: 512)
        let mbr = MasterBootRecord(sector: sector0)
        let gptAt512 = try disk.read(at: 512, count: 8) == GUIDPartitionTable.signature
        let gptAt4096 = try !gptAt512 && disk.read(at: 4096, count: 8) == GUIDPartitionTable.signature
        let head = ByteWindow(try disk.read(at: 0, count: FilesystemSignature.headLength))
        // A FAT or NTFS boot sector also ends in 0x55AA; an unpartitioned ("superfloppy") volume
        // is told from an MBR by its sane BIOS parameter block, as blkid does.
        let superfloppy = FilesystemSignature.vfat(head) ?? FilesystemSignature.ntfs(head) ?? FilesystemSignature.exfat(head)

        if mbr?.isProtective == true || gptAt512 || gptAt4096 {
            view.partitionTable = .gpt
            if mbr?.isProtective != true {
                view.warnings.append("the disk has a GPT but no protective MBR (type 0xEE) in sector 0")
            }
            view.sectorSize = gptAt4096 ? 4096 : 512
            let table = try GUIDPartitionTable.read(from: disk, sectorSize: view.sectorSize)
            view.warnings += table.warnings
            view.diskID = table.diskGUID
            view.partitions = table.partitions
        } else if let mbr, superfloppy == nil {
            view.partitionTable = .mbr
            view.diskID = mbr.diskID
            var warnings: [String] = []
            view.partitions = try mbr.partitions(on: disk, warnings: &warnings)
            view.warnings += warnings
        } else {
            view.wholeDiskFilesystem = try FilesystemSignature.detect(in: disk, at: 0, length: disk.size)
            if view.wholeDiskFilesystem == nil, MasterBootRecord.hasSignature(sector0) {
                view.warnings.append("sector 0 ends in 0x55AA but its partition entries are not valid (a boot flag other than 0x00 or 0x80)")
            }
        }

        for i in view.partitions.indices where !view.partitions[i].isExtended {
            let partition = view.partitions[i]
            guard partition.size > 0, partition.start < disk.size else { continue }
            let length = min(partition.size, disk.size - partition.start)
            view.partitions[i].filesystem = try FilesystemSignature.detect(in: disk, at: partition.start, length: length)
        }
        view.boot = BootMode.of(table: view.partitionTable, partitions: view.partitions, mbr: mbr)
        return view
    }
}

extension GuestView {
    /// The guest view as JSON:
    /// `{"partition-table", "disk-id", "sector-size", "boot", "partitions": [{"index", "start",
    /// "size", "type", "type-name", "bootable", "name", "partition-guid", "filesystem",
    /// "filesystem-label", "filesystem-uuid"}], "filesystem", "filesystem-label",
    /// "filesystem-uuid", "warnings"}`.
    /// Start and size are bytes. Every partition key is always present, `null` where the table
    /// or the signature has no such fact (an MBR partition has no name or GUID; an unknown type
    /// has no type-name; an empty partition has no filesystem). The disk-level `filesystem`
    /// keys appear only when the disk has no partition table (`null` when nothing was found).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("partition-table", .string(partitionTable.rawValue)),
            ("disk-id", diskID.map(JSONValue.string) ?? .null),
            ("sector-size", .uint(sectorSize)),
            ("boot", .string(boot.rawValue)),
            ("partitions", .array(partitions.map(\.json))),
        ]
        if partitionTable == .none {
            members += GuestView.filesystemMembers(wholeDiskFilesystem)
        }
        members.append(("warnings", .array(warnings.map(JSONValue.string))))
        return .object(members)
    }

    /// The `filesystem`, `filesystem-label` and `filesystem-uuid` members for `signature`.
    static func filesystemMembers(_ signature: FilesystemSignature?) -> [(String, JSONValue)] {
        [
            ("filesystem", signature.map { .string($0.name) } ?? .null),
            ("filesystem-label", signature?.label.map(JSONValue.string) ?? .null),
            ("filesystem-uuid", signature?.uuid.map(JSONValue.string) ?? .null),
        ]
    }
}

extension GuestPartition {
    /// One element of the guest view's `partitions` array (see `GuestView.json`).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("index", .int(Int64(index))),
            ("start", .uint(start)),
            ("size", .uint(size)),
            ("type", .string(type)),
            ("type-name", typeName.map(JSONValue.string) ?? .null),
            ("bootable", .bool(bootable)),
            ("name", name.map(JSONValue.string) ?? .null),
            ("partition-guid", partitionGUID.map(JSONValue.string) ?? .null),
        ]
        members += GuestView.filesystemMembers(filesystem)
        return .object(members)
    }
}
