/// Huawei Cloud's ZVHD, which IMS wrote for exports before ZVHD2. There is no written
/// specification; the one public implementation is the QEMU 2.3.0 block driver `src/zvhd.c` in
/// the GitHub repository opnmind/ims-qemu-img, and the rules here come from it, function by
/// function. The layout: the little-endian footer (`ZVHDFooter`) at offset 0, then one 2 MiB
/// block per record in ascending order (zero blocks left out), then a copy of the footer
/// block as the file's last 4 KiB. There is no index: the records are one deflate stream, so
/// the guest is read by walking them (`ZVHDStreamDisk`).
public enum ZVHDFormat: ImageFormat {
    public static let name = "zvhd"

    /// zvhd_probe: 100 when the file starts with the cookie and at least 7 bytes were given.
    public static func probe(_ input: ProbeInput) -> Int {
        input.head.count >= 7 && input.head.matches(ZVHDFooter.zvhdCookie, at: 0) ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let image = try ZVHDImage.read(source)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: image.footer.virtualSize)
        info.originalSize = image.footer.originalSize
        info.warnings = image.warnings
        info.formatSpecific = image.formatSpecific
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        ZVHDStreamDisk(image: try ZVHDImage.read(source), source: source)
    }

    /// The warning for a file whose name says ZVHD or ZVHD2 but whose probe found `format`:
    /// koopack goes by the bytes, and says the name disagrees.
    public static func misnamedWarning(filename: String, format: String) -> String? {
        let lower = filename.lowercased()
        let named = lower.hasSuffix(".zvhd2") ? "zvhd2" : lower.hasSuffix(".zvhd") ? "zvhd" : nil
        guard let named, named != format else { return nil }
        let cookie = named == "zvhd2" ? "z2strm" : "stream"
        return "the file is named .\(named) but does not start with the \(named.uppercased()) cookie \"\(cookie)\"; it was read as \(format)"
    }
}

/// A ZVHD file's footers, checked as zvhd_open checks them, with the facts `inspect` reports.
struct ZVHDImage: Sendable {
    var footer: ZVHDFooter
    var fileSize: UInt64
    var warnings: [String] = []

    /// Reads and checks the footer at offset 0 (zvhd_open → zvhd_validate_footer: cookie and
    /// checksum, or the open fails) and the copy at the end of the file. The driver never reads
    /// that copy by position, only meets it after the last record (zvhd_read); a file without it
    /// is an export cut short, and its last blocks cannot be read, so koopack refuses it here.
    static func read(_ source: any ByteSource) throws -> ZVHDImage {
        let head = try source.window(at: 0, count: ZVHDFooter.structLength, what: "ZVHD footer")
        let footer = try ZVHDFooter(head, zvhd2: false)
        guard footer.hasCookie(ZVHDFooter.zvhdCookie) else {
            throw ImageError.invalid(.badMagic, "ZVHD cookie", at: 0, "is \"\(footer.cookieText)\", not \"stream\"")
        }
        guard footer.checksumMatches else {
            throw ImageError.invalid(.checksum, "ZVHD footer checksum", at: UInt64(ZVHDFooter.checksumField),
                                     "stored 0x\(String(footer.storedChecksum, radix: 16)) but the footer sums to 0x\(String(footer.computedChecksum, radix: 16))")
        }
        let size = source.size
        guard size >= 2 * ZVHDFooter.blockLength else {
            throw ImageError(.truncated, offset: size, "truncated: a ZVHD file holds a 4096-byte footer block at its start and a copy at its end, the file has \(size) bytes")
        }
        var image = ZVHDImage(footer: footer, fileSize: size)
        let endOffset = size - ZVHDFooter.blockLength
        let end = try source.window(at: endOffset, count: ZVHDFooter.structLength, what: "ZVHD end footer")
        guard end.matches(ZVHDFooter.zvhdCookie, at: 0) else {
            throw ImageError(.truncated, offset: endOffset, "truncated: the last 4096 bytes (offset \(endOffset)) are not the copy of the ZVHD footer that ends every finished export")
        }
        if end.bytes != head.bytes {
            image.warnings.append("the footer copy at the end of the file (offset \(endOffset)) differs from the footer at offset 0; the driver reads only the one at offset 0")
        }
        image.warnings += footer.oddities
        return image
    }

    /// koopack's facts about the image (qemu-img cannot open ZVHD).
    var formatSpecific: JSONValue {
        var data = footer.jsonMembers
        data += [
            ("block-size", .uint(ZVHDFooter.driverBlockSize)),
            ("compression", .string("zlib-stream")),
            ("compressed-size", .uint(fileSize - 2 * ZVHDFooter.blockLength)),
            ("end-footer-offset", .uint(fileSize - ZVHDFooter.blockLength)),
            ("checksum-ok", .bool(footer.checksumMatches)),
        ]
        return .object([("type", .string(ZVHDFormat.name)), ("data", .object(data))])
    }
}
