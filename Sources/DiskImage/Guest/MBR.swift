/// The master boot record in sector 0: boot code, disk signature and four partition entries,
/// plus the logical partitions chained through extended boot records (EBRs).
struct MasterBootRecord: Sendable {
    /// One 16-byte entry of a partition table (the MBR's or an EBR's).
    struct Entry: Sendable {
        /// 0x80 active (bootable), 0x00 not.
        var status: UInt8
        var type: UInt8
        /// First sector, relative to what the table's kind says (disk, EBR, extended partition).
        var firstLBA: UInt32
        var sectorCount: UInt32
        var isEmpty: Bool { type == 0 || sectorCount == 0 }
    }

    /// Most logical partitions followed through an EBR chain. Linux stops at a few hundred; a
    /// real disk has a handful, and the cap ends a chain that loops through ever-new sectors.
    static let maxLogicalPartitions = 128
    /// The sector size MBR tables are read with.
    static let sectorSize: UInt64 = 512

    /// The four primary entries, slot order.
    var entries: [Entry]
    /// Whether bytes 0..<440 hold anything: a boot loader's first stage.
    var hasBootCode: Bool
    /// The 32-bit disk signature at 440 as `0x1234abcd` (how fdisk prints the disk identifier).
    var diskID: String

    /// Whether `sector` ends in the 0x55AA boot signature.
    static func hasSignature(_ sector: [UInt8]) -> Bool {
        sector.count >= 512 && sector[510] == 0x55 && sector[511] == 0xAA
    }

    /// Parses sector 0. Nil when it has no 0x55AA signature, or when an entry's status byte is
    /// neither 0x00 nor 0x80 (then the sector is something else: a boot sector, a VBR).
    init?(sector: [UInt8]) {
        guard Self.hasSignature(sector), let entries = Self.entries(of: sector) else { return nil }
        self.entries = entries
        hasBootCode = sector[0..<440].contains { $0 != 0 }
        let w = ByteWindow(sector)
        let signature = (try? w.u32le(440)) ?? 0
        let hex = String(signature, radix: 16)
        diskID = "0x" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The four entries at 446 of a 512-byte table sector; nil if a status byte is invalid.
    static func entries(of sector: [UInt8]) -> [Entry]? {
        let w = ByteWindow(sector)
        var entries: [Entry] = []
        for slot in 0..<4 {
            let o = 446 + slot * 16
            guard let status = try? w.u8(o), status == 0 || status == 0x80,
                  let type = try? w.u8(o + 4), let first = try? w.u32le(o + 8),
                  let count = try? w.u32le(o + 12) else { return nil }
            entries.append(Entry(status: status, type: type, firstLBA: first, sectorCount: count))
        }
        return entries
    }

    /// Whether a 0xEE entry marks this as the protective MBR of a GPT disk.
    var isProtective: Bool { entries.contains { $0.type == PartitionTypeNames.gptProtectiveMBRType } }

    /// Whether any primary entry has the active flag.
    var hasActivePartition: Bool { entries.contains { !$0.isEmpty && $0.status == 0x80 } }

    /// The primary partitions (slots 1–4, extended ones included) followed by the logical
    /// partitions of each extended partition (5, 6, ...). Partitions reaching past the disk's
    /// end, and broken or looping EBR chains, add warnings.
    func partitions(on disk: any ByteSource, warnings: inout [String]) throws -> [GuestPartition] {
        var primaries: [GuestPartition] = []
        var logicals: [GuestPartition] = []
        for (slot, entry) in entries.enumerated() where !entry.isEmpty {
            var partition = Self.partition(index: slot + 1, entry: entry, base: 0)
            partition.isExtended = PartitionTypeNames.extendedMBRTypes.contains(entry.type)
            Self.checkBounds(partition, disk: disk, warnings: &warnings)
            primaries.append(partition)
            if partition.isExtended {
                logicals += try Self.logicalPartitions(extendedStart: UInt64(entry.firstLBA),
                                                       firstIndex: 5 + logicals.count, on: disk, warnings: &warnings)
            }
        }
        return primaries + logicals
    }

    /// A partition for `entry`, whose first sector counts from sector `base`.
    private static func partition(index: Int, entry: Entry, base: UInt64) -> GuestPartition {
        // 32-bit sector numbers plus a 32-bit base, times 512: far below UInt64's range.
        let start = (base + UInt64(entry.firstLBA)) * sectorSize
        return GuestPartition(index: index, start: start, size: UInt64(entry.sectorCount) * sectorSize,
                              type: typeText(entry.type), typeName: PartitionTypeNames.mbr(entry.type),
                              bootable: entry.status == 0x80)
    }

    /// `type` as `0x83`.
    static func typeText(_ type: UInt8) -> String {
        let hex = String(type, radix: 16)
        return "0x" + (hex.count < 2 ? "0" : "") + hex
    }

    /// Adds a warning when `partition` reaches past the end of `disk`.
    static func checkBounds(_ partition: GuestPartition, disk: any ByteSource, warnings: inout [String]) {
        let (end, overflow) = partition.start.addingReportingOverflow(partition.size)
        if overflow || end > disk.size {
            warnings.append("partition \(partition.index) (bytes \(partition.start)–\(overflow ? UInt64.max : end)) reaches past the end of the disk (\(disk.size) bytes)")
        }
    }

    /// Follows the EBR chain of the extended partition starting at sector `extendedStart`. In
    /// each EBR the first entry is a logical partition relative to that EBR and the second
    /// points at the next EBR relative to the extended partition's start. Bounded by
    /// `maxLogicalPartitions`; a loop, an EBR past the disk's end or without 0x55AA ends it
    /// with a warning.
    private static func logicalPartitions(extendedStart: UInt64, firstIndex: Int, on disk: any ByteSource,
                                          warnings: inout [String]) throws -> [GuestPartition] {
        var result: [GuestPartition] = []
        var visited: Set<UInt64> = []
        var ebr = extendedStart
        for _ in 0..<maxLogicalPartitions {
            guard visited.insert(ebr).inserted else {
                warnings.append("the EBR chain loops back to sector \(ebr); logical partitions after it are ignored")
                return result
            }
            guard ebr * sectorSize < disk.size else {
                warnings.append("an EBR at sector \(ebr) (offset \(ebr * sectorSize)) lies past the end of the disk (\(disk.size) bytes)")
                return result
            }
            let sector = try disk.read(at: ebr * sectorSize, count: 512)
            guard hasSignature(sector), let entries = entries(of: sector), entries.count == 4 else {
                warnings.append("the EBR at sector \(ebr) (offset \(ebr * sectorSize)) has no valid 0x55AA signature or entries")
                return result
            }
            let logical = entries[0]
            if !logical.isEmpty {
                let partition = partition(index: firstIndex + result.count, entry: logical, base: ebr)
                checkBounds(partition, disk: disk, warnings: &warnings)
                result.append(partition)
            }
            let link = entries[1]
            guard !link.isEmpty, PartitionTypeNames.extendedMBRTypes.contains(link.type) else { return result }
            ebr = extendedStart + UInt64(link.firstLBA)
        }
        warnings.append("the EBR chain is longer than \(maxLogicalPartitions) logical partitions; the rest are ignored")
        return result
    }
}
