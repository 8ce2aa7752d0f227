import Foundation
import Testing
@testable import DiskImage

/// A source of `size` zero bytes with byte patches laid over it: big hand-made disks without
/// the memory, and real disks with a few bytes damaged.
struct PatchedByteSource: ByteSource {
    var base: (any ByteSource)?
    var size: UInt64
    var patches: [(offset: UInt64, bytes: [UInt8])] = []

    init(zeros size: UInt64) { self.size = size }
    init(_ base: any ByteSource) { self.base = base; size = base.size }

    mutating func patch(_ offset: UInt64, _ bytes: [UInt8]) { patches.append((offset, bytes)) }
    mutating func patchU32(_ offset: UInt64, _ value: UInt32) {
        patch(offset, (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let length = Int(min(UInt64(count), size - offset))
        var bytes = try base?.read(at: offset, count: length) ?? [UInt8](repeating: 0, count: length)
        for (at, patch) in patches {
            for (i, byte) in patch.enumerated() {
                let position = at + UInt64(i)
                if position >= offset, position < offset + UInt64(length) { bytes[Int(position - offset)] = byte }
            }
        }
        return bytes
    }
}

/// A GPT disk built in memory by the UEFI specification's layout: protective MBR, primary
/// header at LBA 1 and entries at LBA 2, backup entries and header at the end, CRC32s filled.
struct HandMadeGPT {
    struct Partition {
        var type: String
        var first: UInt64
        var last: UInt64
        var name: String
    }

    let bytes: [UInt8]

    init(sectorSize: Int, sectors: Int, partitions: [Partition], entryCount: UInt32 = 128) {
        let entrySize = 128
        var disk = [UInt8](repeating: 0, count: sectorSize * sectors)
        func put(_ value: UInt64, _ width: Int, at o: Int) {
            for i in 0..<width { disk[o + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
        }
        // Protective MBR.
        disk[446 + 4] = 0xEE
        put(1, 4, at: 446 + 8)
        put(UInt64(min(sectors - 1, Int(UInt32.max))), 4, at: 446 + 12)
        disk[510] = 0x55; disk[511] = 0xAA
        var array = [UInt8](repeating: 0, count: Int(entryCount) * entrySize)
        for (i, p) in partitions.enumerated() {
            let o = i * entrySize
            array.replaceSubrange(o..<(o + 16), with: HandMadeGPT.mixedEndian(p.type))
            array.replaceSubrange((o + 16)..<(o + 32), with: HandMadeGPT.mixedEndian("01234567-89ab-4def-8123-00000000000\(i)"))
            for b in 0..<8 { array[o + 32 + b] = UInt8(truncatingIfNeeded: p.first >> (8 * b)) }
            for b in 0..<8 { array[o + 40 + b] = UInt8(truncatingIfNeeded: p.last >> (8 * b)) }
            for (k, unit) in p.name.utf16.prefix(36).enumerated() {
                array[o + 56 + 2 * k] = UInt8(unit & 0xFF)
                array[o + 57 + 2 * k] = UInt8(unit >> 8)
            }
        }
        let arraySectors = (array.count + sectorSize - 1) / sectorSize
        let entriesCRC = Decompression.crc32(array[...])
        let last = sectors - 1
        func header(at lba: Int, alternate: Int, entriesLBA: Int) {
            let o = lba * sectorSize
            disk.replaceSubrange(o..<(o + 8), with: Array("EFI PART".utf8))
            put(0x0001_0000, 4, at: o + 8)
            put(92, 4, at: o + 12)
            put(UInt64(lba), 8, at: o + 24)
            put(UInt64(alternate), 8, at: o + 32)
            put(UInt64(2 + arraySectors), 8, at: o + 40)
            put(UInt64(last - 1 - arraySectors), 8, at: o + 48)
            disk.replaceSubrange((o + 56)..<(o + 72), with: HandMadeGPT.mixedEndian("fedcba98-7654-4321-8fed-cba987654321"))
            put(UInt64(entriesLBA), 8, at: o + 72)
            put(UInt64(entryCount), 4, at: o + 80)
            put(UInt64(entrySize), 4, at: o + 84)
            put(UInt64(entriesCRC), 4, at: o + 88)
            put(UInt64(Decompression.crc32(disk[o..<(o + 92)])), 4, at: o + 16)
            disk.replaceSubrange((entriesLBA * sectorSize)..<(entriesLBA * sectorSize + array.count), with: array)
        }
        header(at: 1, alternate: last, entriesLBA: 2)
        header(at: last, alternate: 1, entriesLBA: last - arraySectors)
        bytes = disk
    }

    /// A GUID's 16 bytes in GPT's mixed-endian order.
    static func mixedEndian(_ guid: String) -> [UInt8] {
        let hex = Array(guid.replacingOccurrences(of: "-", with: ""))
        let plain = stride(from: 0, to: 32, by: 2).map { UInt8(String(hex[$0...$0 + 1]), radix: 16) ?? 0 }
        return [3, 2, 1, 0, 5, 4, 7, 6].map { plain[$0] } + plain[8...]
    }
}

/// Rewrites the CRC32 of the GPT header at `offset` (after a test changed a field on purpose).
private func refreshHeaderCRC(_ disk: inout PatchedByteSource, headerAt offset: UInt64) throws {
    disk.patchU32(offset + 16, 0)
    let header = try disk.read(at: offset, count: 92)
    disk.patchU32(offset + 16, Decompression.crc32(header[...]))
}

/// An MBR sector's entry `slot` written into `disk` at sector `lba`.
private func mbrEntry(_ disk: inout PatchedByteSource, sector lba: UInt64, slot: Int, status: UInt8 = 0,
                      type: UInt8, first: UInt32, count: UInt32) {
    let o = lba * 512 + 446 + UInt64(slot * 16)
    disk.patch(o, [status])
    disk.patch(o + 4, [type])
    disk.patchU32(o + 8, first)
    disk.patchU32(o + 12, count)
    disk.patch(lba * 512 + 510, [0x55, 0xAA])
}


@Suite struct GuestDamageTests {
    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func aPrimaryGPTHeaderWithABadCRCFallsBackToTheBackupWithAWarning() throws {
        let directory = try Scratch()
        var disk = PatchedByteSource(try FileByteSource(path: try TestDisks.makeGPTDisk(in: directory)))
        disk.patch(512 + 16, [0xDE, 0xAD])
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitionTable == .gpt)
        #expect(guest.partitions.map(\.start) == TestDisks.gptPartitions.map(\.start))
        #expect(guest.partitions.map(\.name) == TestDisks.gptPartitions.map(\.name))
        #expect(guest.warnings.contains(where: { $0.contains("primary GPT header at LBA 1 is damaged") && $0.contains("CRC32") && $0.contains("offset 528") }),
                "\(guest.warnings)")
        #expect(guest.boot == .uefi)
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func damagedPrimaryPartitionEntriesFallBackToTheBackupEntries() throws {
        let directory = try Scratch()
        var disk = PatchedByteSource(try FileByteSource(path: try TestDisks.makeGPTDisk(in: directory)))
        disk.patch(1024 + 56, Array("XX".utf8))  // the first entry's name
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitions.map(\.name) == TestDisks.gptPartitions.map(\.name))
        #expect(guest.warnings.contains(where: { $0.contains("primary GPT's partition entries are damaged") && $0.contains("entries CRC32") }),
                "\(guest.warnings)")
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func bothGPTHeadersDamagedGiveNoPartitionsAndAWarningNotAnError() throws {
        let directory = try Scratch()
        var disk = PatchedByteSource(try FileByteSource(path: try TestDisks.makeGPTDisk(in: directory)))
        disk.patch(512 + 16, [0xDE, 0xAD])
        disk.patch(TestDisks.gptDiskSize - 512 + 16, [0xDE, 0xAD])
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitionTable == .gpt)
        #expect(guest.partitions.isEmpty)
        #expect(guest.warnings.contains(where: { $0.contains("neither the primary nor the backup GPT is valid") }), "\(guest.warnings)")
        #expect(guest.warnings.contains(where: { $0.contains("backup GPT header at LBA \(TestDisks.gptDiskSize / 512 - 1) is damaged") }))
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func aGPTClaimingTenMillionEntriesIsCappedWithAWarningAndReadsLittle() throws {
        let directory = try Scratch()
        var disk = PatchedByteSource(try FileByteSource(path: try TestDisks.makeGPTDisk(in: directory)))
        disk.patchU32(512 + 80, 10_000_000)
        try refreshHeaderCRC(&disk, headerAt: 512)
        let counting = CountingByteSource(disk)
        let guest = try GuestView.read(from: counting)
        #expect(guest.partitions.count == 2)
        #expect(guest.warnings.contains(where: { $0.contains("claims 10000000 partition entries") }), "\(guest.warnings)")
        // sfdisk leaves LBAs 2–2047 for the array, so the cap, not the room, bounds the read.
        #expect(counting.bytesRead < GUIDPartitionTable.maxEntryArrayBytes + 128 * 1024, "read \(counting.bytesRead) bytes; \(guest.warnings)")
    }

    @Test func absurdGPTHeaderFieldsMakeThePrimaryInvalidAndTheBackupIsUsed() throws {
        let esp = HandMadeGPT.Partition(type: PartitionTypeNames.efiSystemGUID, first: 40, last: 2000, name: "esp")
        let base = HandMadeGPT(sectorSize: 512, sectors: 8192, partitions: [esp])
        let cases: [(field: String, offset: UInt64, value: UInt32, expected: String)] = [
            ("entry size", 512 + 84, 0xFFFF_FFF0, "GPT partition entry size at offset 596"),
            ("entry size", 512 + 84, 0, "GPT partition entry size at offset 596"),
            ("header size", 512 + 12, 0xFFFF_FFFF, "GPT header size at offset 524"),
            ("own LBA", 512 + 24, 7, "GPT header's own LBA at offset 536"),
            ("entries LBA", 512 + 72, 0xFFFF_FFFF, "lies past the end of the disk"),
        ]
        for hostile in cases {
            var disk = PatchedByteSource(MemoryByteSource(base.bytes))
            disk.patchU32(hostile.offset, hostile.value)
            if hostile.field == "entries LBA" { disk.patchU32(512 + 76, 0xFFFF_FFFF) }
            try refreshHeaderCRC(&disk, headerAt: 512)
            let guest = try GuestView.read(from: disk)
            #expect(guest.partitions.map(\.name) == ["esp"], "\(hostile.field)")
            #expect(guest.warnings.contains(where: { $0.contains(hostile.expected) && $0.contains("using the backup GPT") }),
                    "\(hostile.field): \(guest.warnings)")
        }
    }

    @Test func aGPTEntryThatEndsBeforeItStartsIsIgnoredWithAWarning() throws {
        let base = HandMadeGPT(sectorSize: 512, sectors: 8192, partitions: [
            .init(type: PartitionTypeNames.efiSystemGUID, first: 3000, last: 2000, name: "backwards"),
            .init(type: "0fc63daf-8483-4772-8e79-3d69d8477de4", first: 4000, last: 9000, name: "too long"),
        ])
        let guest = try GuestView.read(from: MemoryByteSource(base.bytes))
        #expect(guest.partitions.map(\.name) == ["too long"])
        #expect(guest.warnings.contains(where: { $0.contains("GPT entry 1 ends (LBA 2000) before it starts (LBA 3000)") }))
        #expect(guest.warnings.contains(where: { $0.contains("partition 2") && $0.contains("outside the GPT's usable LBAs") }))
        #expect(guest.warnings.contains(where: { $0.contains("partition 2") && $0.contains("reaches past the end of the disk") }))
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func aTruncatedGPTDiskWarnsThatItsBackupHeaderIsGone() throws {
        let directory = try Scratch()
        let file = try FileByteSource(path: try TestDisks.makeGPTDisk(in: directory))
        let guest = try GuestView.read(from: SliceByteSource(file, offset: 0, length: 100 << 20))
        #expect(guest.partitions.count == 2)
        #expect(guest.warnings.contains(where: { $0.contains("lies past the end of the disk") && $0.contains("backup GPT header") }),
                "\(guest.warnings)")
    }

    @Test(.enabled(if: TestDisks.toolsAvailable, "sfdisk, mkfs.ext4, mkswap, mkfs.vfat, mkfs.xfs or dd is not installed"))
    func mbrPartitionsPastTheEndOfTheDiskAreWarnedAbout() throws {
        let directory = try Scratch()
        let file = try FileByteSource(path: try TestDisks.makeMBRDisk(in: directory))
        let guest = try GuestView.read(from: SliceByteSource(file, offset: 0, length: 40 << 20))
        #expect(guest.partitions.count == 2)
        #expect(guest.warnings.contains(where: { $0.contains("partition 2") && $0.contains("reaches past the end of the disk (41943040 bytes)") }),
                "\(guest.warnings)")
        #expect(guest.partitions[1].filesystem?.name == "swap", "its first sectors are still on the disk")
    }

    /// An extended partition at sector 8192 whose second EBR links back to the first.
    @Test func anEBRChainThatLoopsIsCutWithAWarning() throws {
        var disk = PatchedByteSource(zeros: 16 << 20)
        mbrEntry(&disk, sector: 0, slot: 0, type: 0x83, first: 2048, count: 2048)
        mbrEntry(&disk, sector: 0, slot: 1, type: 0x05, first: 8192, count: 16384)
        mbrEntry(&disk, sector: 8192, slot: 0, type: 0x83, first: 2048, count: 1024)
        mbrEntry(&disk, sector: 8192, slot: 1, type: 0x05, first: 4096, count: 4096)
        mbrEntry(&disk, sector: 12288, slot: 0, type: 0x82, first: 2048, count: 1024)
        mbrEntry(&disk, sector: 12288, slot: 1, type: 0x05, first: 0, count: 4096)
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitions.map(\.index) == [1, 2, 5, 6])
        let expectedStarts: [UInt64] = [2048 * 512, 8192 * 512, (8192 + 2048) * 512, (12288 + 2048) * 512]
        #expect(guest.partitions.map(\.start) == expectedStarts)
        #expect(guest.warnings.contains(where: { $0.contains("EBR chain loops back to sector 8192") }), "\(guest.warnings)")
    }

    @Test func anEBRPointingPastTheDiskEndsTheChainWithAWarning() throws {
        var disk = PatchedByteSource(zeros: 16 << 20)
        mbrEntry(&disk, sector: 0, slot: 0, type: 0x0F, first: 2048, count: 30000)
        mbrEntry(&disk, sector: 2048, slot: 0, type: 0x83, first: 2048, count: 1024)
        mbrEntry(&disk, sector: 2048, slot: 1, type: 0x05, first: 0xFFFF_FF00, count: 4096)
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitions.map(\.index) == [1, 5])
        #expect(guest.warnings.contains(where: { $0.contains("EBR at sector \(2048 + 0xFFFF_FF00)") && $0.contains("past the end of the disk") }),
                "\(guest.warnings)")
    }

    @Test func anEBRChainLongerThanTheCapStopsThereWithAWarning() throws {
        var disk = PatchedByteSource(zeros: 64 << 20)
        let extendedStart: UInt32 = 2048
        mbrEntry(&disk, sector: 0, slot: 0, type: 0x85, first: extendedStart, count: 100_000)
        let links = MasterBootRecord.maxLogicalPartitions + 50
        for k in 0..<links {
            let ebr = UInt64(extendedStart) + UInt64(k) * 8
            mbrEntry(&disk, sector: ebr, slot: 0, type: 0x83, first: 2, count: 4)
            mbrEntry(&disk, sector: ebr, slot: 1, type: 0x05, first: UInt32(k + 1) * 8, count: 8)
        }
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitions.count == 1 + MasterBootRecord.maxLogicalPartitions)
        #expect(guest.warnings.contains(where: { $0.contains("longer than \(MasterBootRecord.maxLogicalPartitions) logical partitions") }))
    }

    @Test func aSectorZeroWithAnInvalidBootFlagIsNotTakenForAnMBR() throws {
        var disk = PatchedByteSource(zeros: 1 << 20)
        mbrEntry(&disk, sector: 0, slot: 0, status: 0x42, type: 0x83, first: 2048, count: 10)
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitionTable == .none)
        #expect(guest.warnings.contains(where: { $0.contains("0x55AA but its partition entries are not valid") }))
    }

    @Test func anMBRWithOnlyBootCodeBootsBIOS() throws {
        var disk = PatchedByteSource(zeros: 1 << 20)
        disk.patch(0, [0xEB, 0x63, 0x90])
        mbrEntry(&disk, sector: 0, slot: 0, type: 0x83, first: 2048, count: 10)
        mbrEntry(&disk, sector: 0, slot: 1, type: 0xEF, first: 4096, count: 10)
        let guest = try GuestView.read(from: disk)
        #expect(guest.partitionTable == .mbr)
        #expect(guest.boot == .biosAndUEFI)
        #expect(guest.partitions[1].typeName == "EFI (FAT-12/16/32)")
    }

    @Test func tinyAndEmptyDisksReadWithoutError() throws {
        for size in [0, 1, 100, 511, 512, 513, 1024, 4095] {
            var bytes = [UInt8](repeating: 0, count: size)
            if size >= 512 { bytes[510] = 0x55; bytes[511] = 0xAA; bytes[446 + 4] = 0xEE }
            let guest = try GuestView.read(from: MemoryByteSource(bytes))
            #expect(guest.partitions.isEmpty, "size \(size)")
        }
    }
}
