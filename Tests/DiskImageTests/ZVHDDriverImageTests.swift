import Foundation
import Testing
@testable import DiskImage

/// The images the public ZVHD/ZVHD2 driver wrote (testdata/zvhd), held to the facts its own
/// structs held after opening them, to the partition tables the raw disks were made with, and
/// to the SHA-256 of the disk the driver reads back.
@Suite struct ZVHDDriverImageTests {
    @Test func thereAreDriverWrittenImages() {
        #expect(ZVHDCases.all.count == 6, "\(ZVHDCases.directory)")
    }

    @Test(arguments: ZVHDCases.all)
    func eachImageGivesTheFooterFactsTheDriverRead(image: ZVHDCases.Case) throws {
        let expected = try image.expected
        let footer = try image.driverFooter
        let info = try ImageInspector().inspect(path: image.path)
        #expect(info.format == expected["format"] as? String)
        #expect(info.virtualSize == number(expected["virtual_size"]))
        #expect(info.warnings.isEmpty, "\(info.warnings)")
        #expect(!info.corrupt)
        let data = try #require(info.formatSpecific?["data"])
        #expect(info.formatSpecific?["type"] == .string(info.format))
        #expect(data["original-size"] == .uint(number(expected["orig_size"])))
        #expect(data["current-size"] == .uint(number(footer["curr_size"])))
        #expect(data["block-size"] == .uint(number(expected["block_size"])))
        #expect(data["timestamp"] == .uint(number(footer["timestamp"])))
        #expect(data["created"] == .string("2023-11-14T22:13:20Z"), "1,700,000,000 s Unix time")
        #expect(data["uuid"] == .string(try #require(footer["uuid"] as? String)))
        let chs = try #require(footer["geometry_chs"] as? [NSNumber]).map(\.stringValue).joined(separator: "/")
        #expect(data["geometry"] == .string(chs))
        #expect(data["creator"] == .string("tap"))
        #expect(data["creator-version"] == .string("1.4"), "crtr_ver \(footer["crtr_ver"] ?? "")")
        #expect(data["disk-type"] == .uint(number(footer["type"])))
        #expect(data["features"] == .uint(number(footer["features"])))
        #expect(data["format-version"] == .string("1.0"), "ff_version \(footer["ff_version"] ?? "")")
        #expect(data["checksum-ok"] == .bool(true))
        if info.format == "zvhd" {
            #expect(info.clusterSize == nil, "zvhd_get_info gives no cluster size")
            #expect(data["compression"] == .string("zlib-stream"))
            return
        }
        #expect(info.clusterSize == number(try #require(expected["driver_info"] as? [String: Any])["bdrv_get_info"].flatMap { ($0 as? [String: Any])?["cluster_size"] }))
        #expect(data["compression"] == .string(number(expected["compress_method"]) == 1 ? "zstd" : "zlib"))
        #expect(data["stored-blocks"] == .uint(UInt64(try #require(expected["nonzero_blocks"] as? [Any]).count)))
        #expect(data["stored-blocks"] == .uint(number(footer["non_zero_blk_num"])))
        #expect(data["allocated-size"] == .uint(number(footer["non_zero_blk_num"]) * number(footer["block_size"])))
        #expect(data["zvhd2-version"] == .uint(number(footer["zvhd2_version"])))
        #expect(data["max-blocks"] == .uint(number(footer["max_blk_num"])))
        #expect(data["index-offset"] == .uint(number(footer["index_lba"])))
        #expect(data["bitmap-offset"] == .uint(number(footer["bitmap_lba"])))
        #expect(data["index-size"] == .uint(number(footer["index_size"])))
        #expect(data["bitmap-size"] == .uint(number(footer["bitmap_size"])))
        #expect(data["index-segments"] == .uint(number(footer["index_seg_num"])))
        #expect(data["bitmap-segments"] == .uint(number(footer["bitmap_seg_num"])))
        #expect(data["index-segment-size"] == .uint(number(footer["index_seg_size"])))
        #expect(data["bitmap-segment-size"] == .uint(number(footer["bitmap_seg_size"])))
        #expect(data["index-contains-zero-blocks"] == .bool(number(footer["index_contains_zero_blk"]) != 0))
        #expect(data["footer-offset"] == .uint(number(expected["image_size"]) - 4096))
    }

    /// The partition table and filesystems the raw disk was made with (sfdisk, sgdisk, mkfs),
    /// read through the image's block map.
    @Test(arguments: ZVHDCases.all)
    func eachImageShowsThePartitionsItsDiskWasMadeWith(image: ZVHDCases.Case) throws {
        let expected = try image.expected
        let info = try ImageInspector().inspect(path: image.path, guest: true)
        let guest = try #require(info.guest, "\(info.warnings)")
        #expect(guest.partitionTable.rawValue == expected["partition_table"] as? String)
        let partitions = try #require(expected["partitions"] as? [[String: Any]])
        #expect(guest.partitions.count == partitions.count)
        for (mine, theirs) in zip(guest.partitions, partitions) {
            #expect(UInt64(mine.index) == number(theirs["number"]))
            #expect(mine.start == number(theirs["start_bytes"]))
            #expect(mine.size == number(theirs["size_bytes"]))
            #expect(mine.filesystem?.kind.rawValue == theirs["fs"] as? String)
            let type = try #require(theirs["type"] as? String)
            #expect(mine.type == (guest.partitionTable == .mbr ? "0x\(type)" : type.lowercased()))
            #expect(mine.name == theirs["name"] as? String)
            #expect(mine.partitionGUID == (theirs["uuid"] as? String)?.lowercased())
        }
        // The driver exposes the disk rounded up to a whole GiB, so a GPT made for the smaller
        // disk has its backup header short of the last LBA, which koopack notes (without reading it).
        let rounded = number(expected["orig_size"]) != number(expected["virtual_size"])
        let backupLBA = number(expected["orig_size"]) / 512 - 1
        #expect(guest.warnings == (guest.partitionTable == .gpt && rounded
            ? ["the primary GPT header puts the backup at LBA \(backupLBA), but the disk's last LBA is \(info.virtualSize / 512 - 1)"] : []))
        #expect(guest.boot == (guest.partitionTable == .gpt ? .uefi : BootMode.none))
    }

    /// The whole virtual disk, written out by koopack's raw export, has the SHA-256 of the disk
    /// the driver reads back; the stored blocks are exactly those the driver wrote.
    @Test(.enabled(if: FileDigest.available, "needs openssl"), arguments: ZVHDCases.all)
    func eachImageReadsBackToTheDriversSHA256(image: ZVHDCases.Case) throws {
        let expected = try image.expected
        let (info, disk) = try ImageInspector().openGuest(path: image.path)
        #expect(disk.size == info.virtualSize)
        let sparse = try #require(disk as? any ZeroRunSource)
        let stored = Set(try #require(expected["nonzero_blocks"] as? [NSNumber]).map(\.uint64Value))
        for block in 0..<(disk.size >> 21) {
            let zero = try sparse.zeroRun(at: block << 21, limit: 2 << 20) == 2 << 20
            #expect(zero == !stored.contains(block), "block \(block)")
        }
        let directory = try Scratch()
        let raw = directory.file("disk.raw")
        try RawExport.write(disk, to: raw, workers: 2)
        #expect(try FileDigest.sha256(raw) == expected["raw_sha256"] as? String)
    }

    /// A read in the middle of a block, and reads that go backwards, give the same bytes as the
    /// whole-disk copy: ZVHD restarts its stream from a checkpoint, ZVHD2 decodes one block.
    @Test(arguments: ZVHDCases.all.filter { $0.name.contains("ext4") })
    func readsInAnyOrderGiveTheSameBytes(image: ZVHDCases.Case) throws {
        let forward = try ImageInspector().openGuest(path: image.path).disk
        let chunks = try (0..<32).map { try forward.read(at: UInt64($0) << 21, count: 2 << 20) }
        let backward = try ImageInspector().openGuest(path: image.path).disk
        for index in stride(from: 31, through: 0, by: -3) {
            let start = UInt64(index) << 21 + 12345
            #expect(try backward.read(at: start, count: 70_000) == Array(chunks[index][12345..<(12345 + 70_000)]), "block \(index)")
        }
    }
}

/// A JSON number from `JSONSerialization` as UInt64 (0 when absent).
func number(_ value: Any?) -> UInt64 {
    (value as? NSNumber)?.uint64Value ?? 0
}
