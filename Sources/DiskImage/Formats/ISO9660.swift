/// An ISO 9660 CD/DVD image (the ISOs IMS imports as install media). QEMU reads it as raw;
/// koopack names it `iso` and reads its volume descriptors: the primary volume descriptor's
/// identifiers and size, El Torito boot entries (BIOS and UEFI), and whether Joliet names exist.
/// The guest's disk is the file itself.
public enum ISO9660Format: ImageFormat {
    public static let name = "iso"

    /// ISO 9660's sector ("logical sector") size, which El Torito also counts in.
    static let sectorSize: UInt64 = 2048
    /// The volume descriptor set starts at sector 16, after the system area.
    static let descriptorSetOffset: UInt64 = 16 * 2048
    /// Most volume descriptors scanned before giving up on a terminator. Real ISOs have 3–5
    /// (primary, boot record, Joliet, terminator); the cap bounds a set with no terminator.
    static let maxDescriptors = 64
    /// Most boot catalog bytes read: 256 entries of 32 bytes, far more than any boot image
    /// maker writes (one validation entry, a default entry and a section or two).
    static let maxCatalogBytes = 8192

    public static func probe(_ input: ProbeInput) -> Int {
        let magic = (try? input.source.read(at: descriptorSetOffset + 1, count: 5)) ?? []
        // Below the formats with a magic number at offset 0: a qcow2 or VMDK could hold an
        // ISO's bytes at 32 KiB of its file; an ISO never has their magic at 0.
        return magic == Array("CD001".utf8) ? 80 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: source.size)
        info.dirty = false
        var primary: ByteWindow?
        var bootCatalogLBA: UInt32?
        var joliet = false
        var terminated = false
        for index in 0..<maxDescriptors {
            let offset = descriptorSetOffset + UInt64(index) * sectorSize
            let w = try source.window(at: offset, count: Int(sectorSize), what: "ISO 9660 volume descriptor \(index)")
            guard w.matches(Array("CD001".utf8), at: 1) else {
                info.warnings.append("the volume descriptor at offset \(offset) has no \"CD001\" identifier; the descriptor set ends without a terminator")
                terminated = true
                break
            }
            switch try w.u8(0) {
            case 0:
                if w.matches(Array("EL TORITO SPECIFICATION".utf8), at: 7) { bootCatalogLBA = try w.u32le(71) }
            case 1:
                if primary == nil { primary = w }
            case 2:
                // Joliet: a supplementary descriptor whose escape sequences pick UCS-2 level 1–3.
                if w.matches([0x25, 0x2F, 0x40], at: 88) || w.matches([0x25, 0x2F, 0x43], at: 88)
                    || w.matches([0x25, 0x2F, 0x45], at: 88) { joliet = true }
            case 255:
                terminated = true
            default:
                break
            }
            if terminated { break }
        }
        if !terminated {
            info.warnings.append("no volume descriptor set terminator in the first \(maxDescriptors) descriptors; koopack stopped looking")
        }
        guard let primary else {
            throw ImageError(.invalid, offset: descriptorSetOffset,
                             "no primary volume descriptor (type 1) in the ISO 9660 descriptor set at offset \(descriptorSetOffset)")
        }

        let blocks = try bothEndian32(primary, 80, field: "volume space size", warnings: &info.warnings)
        let blockSize = try bothEndian16(primary, 128, field: "logical block size", warnings: &info.warnings)
        if ![512, 1024, 2048].contains(blockSize) {
            info.warnings.append("the logical block size at offset \(primary.base + 128) is \(blockSize), not 512, 1024 or 2048")
        }
        let volumeSize = UInt64(blocks) * UInt64(blockSize)  // 32 × 16 bits: cannot overflow UInt64
        if volumeSize != source.size {
            info.warnings.append("the ISO volume is \(volumeSize) bytes (\(blocks) blocks of \(blockSize)) but the file is \(source.size) bytes"
                                 + (volumeSize > source.size ? ": the file is truncated" : ""))
        }

        var boot = ElToritoCatalog(entries: [])
        if let lba = bootCatalogLBA {
            boot = try ElToritoCatalog.read(source, lba: lba, warnings: &info.warnings)
        }
        var data: [(String, JSONValue)] = [
            ("volume-id", .string(try primary.paddedString(40, 32))),
            ("system-id", .string(try primary.paddedString(8, 32))),
            ("volume-set-id", .string(try primary.paddedString(190, 128))),
            ("publisher-id", .string(try primary.paddedString(318, 128))),
            ("application-id", .string(try primary.paddedString(574, 128))),
            ("creation-date", creationDate(primary, 813).map(JSONValue.string) ?? .null),
            ("volume-size", .uint(volumeSize)),
            ("logical-block-size", .uint(UInt64(blockSize))),
            ("boot", .array(boot.bootModes.map(JSONValue.string))),
            ("el-torito", .bool(bootCatalogLBA != nil)),
            ("joliet", .bool(joliet)),
        ]
        if let lba = bootCatalogLBA {
            data.append(("boot-catalog-lba", .uint(UInt64(lba))))
            data.append(("boot-entries", .array(boot.entries.map(\.json))))
        }
        info.formatSpecific = .object([("type", .string(name)), ("data", .object(data))])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        source
    }

    /// A 32-bit both-byte-order field (little-endian then big-endian copy); a mismatch warns and
    /// the little-endian copy wins, as Linux's isofs does.
    private static func bothEndian32(_ w: ByteWindow, _ o: Int, field: String, warnings: inout [String]) throws -> UInt32 {
        let little = try w.u32le(o)
        let big = try w.u32be(o + 4)
        if little != big {
            warnings.append("the \(field) at offset \(w.base + UInt64(o)) reads \(little) little-endian but \(big) big-endian")
        }
        return little
    }

    /// A 16-bit both-byte-order field, as `bothEndian32`.
    private static func bothEndian16(_ w: ByteWindow, _ o: Int, field: String, warnings: inout [String]) throws -> UInt16 {
        let little = try w.u16le(o)
        let big = try w.u16be(o + 2)
        if little != big {
            warnings.append("the \(field) at offset \(w.base + UInt64(o)) reads \(little) little-endian but \(big) big-endian")
        }
        return little
    }

    /// A 17-byte descriptor date ("YYYYMMDDHHMMSScc" and a signed offset from GMT in
    /// 15-minute steps) as `2024-05-01T12:30:00+08:00`; nil when unset (all zeros) or malformed.
    static func creationDate(_ w: ByteWindow, _ o: Int) -> String? {
        guard let digits = try? w.slice(o, 16), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              digits.contains(where: { $0 != 0x30 }), let zone = try? w.u8(o + 16) else { return nil }
        let text = String(decoding: digits, as: UTF8.self)
        func part(_ from: Int, _ length: Int) -> Substring {
            let start = text.index(text.startIndex, offsetBy: from)
            return text[start..<text.index(start, offsetBy: length)]
        }
        let minutes = Int(Int8(bitPattern: zone)) * 15
        let sign = minutes < 0 ? "-" : "+"
        let hours = abs(minutes) / 60, rest = abs(minutes) % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(part(8, 2)):\(part(10, 2)):\(part(12, 2))\(sign)\(two(hours)):\(two(rest))"
    }
}

/// An El Torito boot catalog: a validation entry (platform, checksum, 0x55AA), the default
/// entry, and section headers each followed by their entries.
struct ElToritoCatalog: Sendable {
    /// One boot entry: a boot image the firmware of `platform` may load.
    struct Entry: Sendable {
        /// 0 x86 (BIOS), 1 PowerPC, 2 Mac, 0xEF EFI.
        var platform: UInt8
        /// Boot indicator 0x88.
        var bootable: Bool
        var mediaType: UInt8
        var loadSegment: UInt16
        var sectorCount: UInt16
        var loadRBA: UInt32

        /// One element of the `boot-entries` array in the ISO's format-specific data.
        var json: JSONValue {
            .object([
                ("platform", .string(ElToritoCatalog.platformName(platform))),
                ("bootable", .bool(bootable)),
                ("media-type", .string(ElToritoCatalog.mediaName(mediaType))),
                ("load-segment", .uint(UInt64(loadSegment))),
                ("sector-count", .uint(UInt64(sectorCount))),
                ("load-rba", .uint(UInt64(loadRBA))),
            ])
        }
    }

    var entries: [Entry]

    /// `bios` and/or `uefi`, in that order, for the bootable x86 and EFI entries.
    var bootModes: [String] {
        var modes: [String] = []
        if entries.contains(where: { $0.bootable && $0.platform == 0 }) { modes.append("bios") }
        if entries.contains(where: { $0.bootable && $0.platform == 0xEF }) { modes.append("uefi") }
        return modes
    }

    /// Reads the catalog at sector `lba` (2048-byte sectors). A bad validation entry or a
    /// catalog past the end of the file is a warning and gives no entries.
    static func read(_ source: any ByteSource, lba: UInt32, warnings: inout [String]) throws -> ElToritoCatalog {
        let offset = UInt64(lba) * ISO9660Format.sectorSize
        let bytes = try source.read(at: offset, count: ISO9660Format.maxCatalogBytes)
        guard bytes.count >= 64 else {
            warnings.append("the El Torito boot catalog at sector \(lba) (offset \(offset)) lies past the end of the file (\(source.size) bytes)")
            return ElToritoCatalog(entries: [])
        }
        let w = ByteWindow(bytes, at: offset)
        var sum: UInt16 = 0
        for i in 0..<16 { sum &+= try w.u16le(i * 2) }
        guard try w.u8(0) == 1, w.matches([0x55, 0xAA], at: 30), sum == 0 else {
            warnings.append("the El Torito validation entry at offset \(offset) is damaged (header ID, 0x55AA key or checksum)")
            return ElToritoCatalog(entries: [])
        }
        var entries = [try entry(w, 32, platform: try w.u8(1))]
        var o = 64
        // Section headers (0x90, the last 0x91), each followed by its entries and their
        // extensions (0x44); bounded by the bytes read.
        while o + 32 <= w.count {
            let header = try w.u8(o)
            guard header == 0x90 || header == 0x91 else { break }
            let platform = try w.u8(o + 1)
            let count = Int(try w.u16le(o + 2))
            o += 32
            var taken = 0
            while taken < count, o + 32 <= w.count {
                let indicator = try w.u8(o)
                if indicator == 0x44 { o += 32; continue }
                entries.append(try entry(w, o, platform: platform))
                taken += 1
                o += 32
            }
            if header == 0x91 { break }
        }
        return ElToritoCatalog(entries: entries)
    }

    /// The default or section entry at `o`, for firmware `platform`.
    private static func entry(_ w: ByteWindow, _ o: Int, platform: UInt8) throws -> Entry {
        Entry(platform: platform, bootable: try w.u8(o) == 0x88, mediaType: try w.u8(o + 1) & 0x0F,
              loadSegment: try w.u16le(o + 2), sectorCount: try w.u16le(o + 6), loadRBA: try w.u32le(o + 8))
    }

    /// The El Torito platform ID as a word: `x86` (BIOS), `efi`, `powerpc`, `mac`, else hex.
    static func platformName(_ id: UInt8) -> String {
        switch id {
        case 0: "x86"
        case 1: "powerpc"
        case 2: "mac"
        case 0xEF: "efi"
        default: "0x" + String(id, radix: 16)
        }
    }

    /// The boot media type (low nibble): `no-emulation`, a floppy size, `hard-disk`, else hex.
    static func mediaName(_ type: UInt8) -> String {
        switch type {
        case 0: "no-emulation"
        case 1: "1.2M-floppy"
        case 2: "1.44M-floppy"
        case 3: "2.88M-floppy"
        case 4: "hard-disk"
        default: "0x" + String(type, radix: 16)
        }
    }
}
