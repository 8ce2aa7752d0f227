import Foundation
import Testing
@testable import DiskImage

/// The qcow2 guest reader, compared byte for byte with the raw disk each image was made from (or
/// with `qemu-img convert -O raw` of it where qemu-io wrote into the image).
@Suite struct QCOW2GuestTests {
    static let diskSize = 8 << 20

    /// An 8 MiB disk with recognisable data at the start, in the middle and at the end, and
    /// zero runs between (which qemu-img convert leaves unallocated).
    static func patternedDisk() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: diskSize)
        let runs: [Range<Int>] = [0..<(1 << 20) + 777, (3 << 20) + 4097..<(3 << 20) + 300_000,
                                  (5 << 20)..<(5 << 20) + 65_536, diskSize - (1_500_000)..<diskSize]
        for run in runs {
            for i in run { bytes[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 13) | 1 }
        }
        return bytes
    }

    static var qemuIO: String? {
        ["/usr/bin/qemu-io", "/usr/local/bin/qemu-io"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Reads `disk` the way the tests compare it: whole in 1 MiB pieces, then odd reads that cross
    /// cluster, subcluster and allocation boundaries.
    static func expectSameGuest(_ disk: any ByteSource, _ truth: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(disk.size == UInt64(truth.count), sourceLocation: sourceLocation)
        var offset = 0
        while offset < truth.count {
            let count = min(1 << 20, truth.count - offset)
            let bytes = try disk.read(at: UInt64(offset), count: count)
            if bytes != Array(truth[offset..<(offset + count)]) {
                let first = zip(bytes, truth[offset...]).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? bytes.count
                Issue.record("guest differs at offset \(offset + first)", sourceLocation: sourceLocation)
                return
            }
            offset += count
        }
        let odd: [(Int, Int)] = [(65_535, 3), ((1 << 20) - 100, 200_000), (4096 * 3 + 17, 70_000), (511, 1025),
                                 ((3 << 20) - 5, 9000), (truth.count - 70_001, 70_001), (2047, 4099), ((5 << 20) - 1, 2)]
        for (start, count) in odd {
            let bytes = try disk.read(at: UInt64(start), count: count)
            #expect(bytes == Array(truth[start..<(start + count)]), "read of \(count) bytes at \(start)", sourceLocation: sourceLocation)
        }
        #expect(try disk.read(at: UInt64(truth.count), count: 10).isEmpty, sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"),
          arguments: [
            [], ["-o", "compat=0.10"], ["-o", "cluster_size=512"], ["-o", "cluster_size=4096"], ["-o", "cluster_size=2M"],
            ["-c", "-o", "compression_type=zlib"], ["-c", "-o", "compression_type=zstd"],
            ["-c", "-o", "compression_type=zlib,cluster_size=4096"], ["-c", "-o", "compression_type=zstd,cluster_size=2M"],
            ["-c", "-o", "compression_type=zlib,cluster_size=2M"], ["-c", "-o", "compat=0.10,cluster_size=512"],
            ["-o", "extended_l2=on"], ["-o", "extended_l2=on,cluster_size=2M"], ["-c", "-o", "extended_l2=on,compression_type=zstd"],
            ["-o", "extended_l2=on,cluster_size=16384"], ["-o", "preallocation=metadata"], ["-o", "refcount_bits=1"],
          ])
    func aConvertedDiskReadsBackByteForByte(options: [String]) throws {
        let directory = try Scratch()
        let truth = Self.patternedDisk()
        let raw = try directory.write("disk.raw", truth)
        let image = directory.file("disk.qcow2")
        try QemuImg.run(["convert", "-f", "raw", "-O", "qcow2"] + options + [raw, image])
        let (info, disk) = try ImageInspector().openGuest(path: image)
        #expect(info.format == "qcow2")
        try Self.expectSameGuest(disk, truth)
    }

    @Test(.enabled(if: QemuImg.available && QCOW2GuestTests.qemuIO != nil, "qemu-img or qemu-io is not installed"),
          arguments: ["", "extended_l2=on", "compat=0.10", "cluster_size=4096"])
    func anOverlayReadsUnwrittenClustersFromItsBase(options: String) throws {
        let io = try #require(Self.qemuIO)
        let directory = try Scratch()
        let truth = Self.patternedDisk()
        let raw = try directory.write("base.raw", truth)
        try QemuImg.run(["convert", "-f", "raw", "-O", "qcow2", raw, directory.file("base.qcow2")])
        let overlay = directory.file("overlay.qcow2")
        try QemuImg.run(["create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2"]
                        + (options.isEmpty ? [] : ["-o", options]) + [overlay])
        // Whole clusters, a sub-cluster write (subclusters with extended L2), and zero writes over
        // base data (zero clusters in version 3; version 2 stores zeros).
        try Tool.run(io, ["-f", "qcow2", "-c", "write -P 0x5a 1M 128k", "-c", "write -P 0xc3 4k 2k",
                             "-c", "write -z 512k 64k", "-c", "write -P 0x11 7M 4k", "-c", "write -z 7340032 1024",
                             "-c", "write -P 0x77 3211264 33k", overlay])
        let flattened = directory.file("flat.raw")
        try QemuImg.run(["convert", "-O", "raw", overlay, flattened])
        let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: flattened)))
        #expect(expected != truth)
        let (info, disk) = try ImageInspector().openGuest(path: overlay)
        #expect(info.backingChain.count == 1)
        try Self.expectSameGuest(disk, expected)
    }

    @Test(.enabled(if: QemuImg.available && QCOW2GuestTests.qemuIO != nil, "qemu-img or qemu-io is not installed"))
    func preallocatedZeroClustersReadAsZeros() throws {
        let io = try #require(Self.qemuIO)
        let directory = try Scratch()
        let truth = Self.patternedDisk()
        let raw = try directory.write("disk.raw", truth)
        let image = directory.file("disk.qcow2")
        try QemuImg.run(["convert", "-f", "raw", "-O", "qcow2", raw, image])
        // Zeroing allocated clusters without unmapping keeps them allocated with the zero flag.
        try Tool.run(io, ["-f", "qcow2", "-c", "write -z 0 128k", "-c", "write -z -u 256k 64k", image])
        var expected = truth
        for i in 0..<(128 << 10) { expected[i] = 0 }
        for i in (256 << 10)..<(320 << 10) { expected[i] = 0 }
        let (_, disk) = try ImageInspector().openGuest(path: image)
        try Self.expectSameGuest(disk, expected)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"), arguments: ["off", "on"])
    func anExternalDataFileHoldsTheGuestData(raw rawOption: String) throws {
        let directory = try Scratch()
        let truth = Self.patternedDisk()
        let raw = try directory.write("disk.raw", truth)
        let image = directory.file("meta.qcow2")
        try QemuImg.run(["convert", "-f", "raw", "-O", "qcow2", "-o", "data_file=\(directory.file("data.bin")),data_file_raw=\(rawOption)",
                         raw, image])
        let (info, disk) = try ImageInspector().openGuest(path: image)
        #expect(info.externalDataFile == directory.file("data.bin"))
        try Self.expectSameGuest(disk, truth)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aCompressedClusterThatInflatesPastItsClusterThrows() throws {
        let directory = try Scratch()
        var truth = [UInt8](repeating: 0, count: 1 << 20)
        for i in 0..<4096 { truth[i] = UInt8(truncatingIfNeeded: i * 7) }
        let raw = try directory.write("disk.raw", truth)
        let image = directory.file("disk.qcow2")
        try QemuImg.run(["convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=4096", raw, image])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[at + $1]) } }
        let l1 = Int(u64(40))
        let l2 = Int(u64(l1) & QCOW2ClusterMap.offsetMask)
        let entry = u64(l2)
        #expect(entry & QCOW2ClusterMap.compressedFlag != 0)
        // A stored deflate block of 8000 bytes: twice the 4096-byte cluster.
        while bytes.count % 512 != 0 { bytes.append(0) }
        let bomb = UInt64(bytes.count)
        let payload = 8000
        bytes += [0x01, UInt8(payload & 0xFF), UInt8(payload >> 8), UInt8(~payload & 0xFF), UInt8((~payload >> 8) & 0xFF)]
        bytes += [UInt8](repeating: 0xAB, count: payload)
        let sectors = UInt64((5 + payload + 511) / 512 - 1)
        let patched = QCOW2ClusterMap.compressedFlag | sectors << 58 | bomb
        for i in 0..<8 { bytes[l2 + i] = UInt8(truncatingIfNeeded: patched >> UInt64(56 - 8 * i)) }
        let (_, disk) = try ImageInspector().openGuest(MemoryByteSource(bytes), filename: image)
        let error = try #require(throws: ImageError.self) { try disk.read(at: 0, count: 512) }
        #expect(error.kind == .outOfRange, "\(error.kind): \(error)")
        #expect(error.offset == bomb && error.message.contains("offset \(bomb)"))
        // The clusters after it still read.
        #expect(try disk.read(at: 4096, count: 4096) == Array(truth[4096..<8192]))
    }
}
