/// Apple disk images (UDIF), as QEMU's read-only `dmg` driver (block/dmg.c) reads them: a
/// 512-byte big-endian "koly" trailer near the end of the file gives the sector count, the data
/// fork, and where the block tables ("mish") are, in a resource fork or an XML property list;
/// each table maps runs of sectors to zero, raw or compressed chunks of the data fork. koopack
/// reads zero, raw and zlib chunks (bzip2 and lzfse need modules QEMU loads separately). IMS
/// does not import the format (KG113 says so).
public enum DMGFormat: ImageFormat {
    public static let name = "dmg"

    /// QEMU probes DMG by its `.dmg` name only; koopack looks for the trailer's signature where
    /// dmg_find_koly_offset looks: in the last 1023 bytes of the file.
    public static func probe(_ input: ProbeInput) -> Int {
        (try? DMGTrailer.find(input.source)) != nil ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let trailer = try DMGTrailer.read(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: trailer.virtualSize)
        info.formatSpecific = .object([("type", .string(name)), ("data", .object([
            ("version", .uint(UInt64(trailer.version))),
            ("trailer-offset", .uint(trailer.offset)),
            ("data-fork-offset", .uint(trailer.dataForkOffset)),
            ("data-fork-length", .uint(trailer.dataForkLength)),
            ("resource-fork-offset", .uint(trailer.resourceForkOffset)),
            ("resource-fork-length", .uint(trailer.resourceForkLength)),
            ("plist-offset", .uint(trailer.plistOffset)),
            ("plist-length", .uint(trailer.plistLength)),
            ("sectors", .uint(trailer.sectors)),
        ]))])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let trailer = try DMGTrailer.read(source)
        let chunks = try DMGChunkTable(trailer: trailer, source: source)
        let decoded = TableCache<Int, [UInt8]>(capacity: 16)
        return BlockMappedDisk(size: trailer.virtualSize, backing: nil) { offset in
            try chunks.locate(offset, source: source, decoded: decoded)
        }
    }
}

/// The UDIF trailer, checked as dmg_open checks it.
struct DMGTrailer: Sendable {
    static let signature: [UInt8] = Array("koly".utf8)
    static let length = 512

    var offset: UInt64
    var version: UInt32
    var dataForkOffset: UInt64
    var dataForkLength: UInt64
    var resourceForkOffset: UInt64
    var resourceForkLength: UInt64
    var plistOffset: UInt64
    var plistLength: UInt64
    var sectors: UInt64

    /// `total_sectors` from the trailer's SectorCount.
    var virtualSize: UInt64 { sectors &* 512 }

    /// dmg_find_koly_offset: "koly" in the last 511 bytes of the second-last 512-byte sector of
    /// the file's length rounded up to 512, or the first 4 of the last.
    static func find(_ source: any ByteSource) throws -> UInt64 {
        let length = (source.size + 511) / 512 * 512
        guard source.size >= 512 else {
            throw ImageError(.invalid, offset: 0, "a DMG file is at least 512 bytes, this one has \(source.size)")
        }
        let start = length > 1023 ? length - 1023 : 0
        let window = try source.read(at: start, count: Int(min(length, 515)))
        guard window.count >= 4 else { throw ImageError(.badMagic, offset: start, "no UDIF trailer (\"koly\") at the end of the file") }
        for i in 0..<(window.count - 3) where window[i..<(i + 4)].elementsEqual(signature) {
            return start + UInt64(i)
        }
        throw ImageError(.badMagic, offset: start, "no UDIF trailer (\"koly\") in the last \(window.count) bytes of the file")
    }

    static func read(_ source: any ByteSource) throws -> DMGTrailer {
        let at = try find(source)
        var bytes = try source.read(at: at, count: length)
        bytes += [UInt8](repeating: 0, count: length - bytes.count)
        let w = ByteWindow(bytes, at: at)
        let trailer = DMGTrailer(offset: at, version: try w.u32be(4), dataForkOffset: try w.u64be(0x18),
                                 dataForkLength: try w.u64be(0x20), resourceForkOffset: try w.u64be(0x28),
                                 resourceForkLength: try w.u64be(0x30), plistOffset: try w.u64be(0xD8),
                                 plistLength: try w.u64be(0xE0), sectors: try w.u64be(0x1EC))
        guard trailer.dataForkOffset <= at else {
            throw ImageError.invalid(.outOfRange, "DMG data fork offset", at: at + 0x18, "\(trailer.dataForkOffset) is past the trailer at \(at)")
        }
        guard trailer.resourceForkOffset < at || trailer.resourceForkLength == 0,
              trailer.resourceForkLength <= at - min(at, trailer.resourceForkOffset) else {
            throw ImageError.invalid(.outOfRange, "DMG resource fork", at: at + 0x28, "offset \(trailer.resourceForkOffset), \(trailer.resourceForkLength) bytes, does not lie before the trailer")
        }
        guard trailer.plistOffset < at || trailer.plistLength == 0,
              trailer.plistLength <= at - min(at, trailer.plistOffset) else {
            throw ImageError.invalid(.outOfRange, "DMG property list", at: at + 0xD8, "offset \(trailer.plistOffset), \(trailer.plistLength) bytes, does not lie before the trailer")
        }
        guard trailer.sectors <= UInt64(Int64.max) / 512 else {
            throw ImageError.invalid(.outOfRange, "DMG sector count", at: at + 0x1EC, "\(trailer.sectors) sectors is past any disk")
        }
        return trailer
    }
}
