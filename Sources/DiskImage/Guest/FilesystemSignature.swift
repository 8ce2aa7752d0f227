/// The filesystems and volumes a guest disk's signatures name. The raw value is blkid's name for
/// each, which reports print.
public enum FilesystemKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case ext2, ext3, ext4, xfs, btrfs, vfat, exfat, ntfs, swap
    /// An LVM2 physical volume.
    case lvm2Member = "LVM2_member"
    /// A LUKS encrypted volume.
    case cryptoLUKS = "crypto_LUKS"
    case iso9660

    public var description: String { rawValue }

    /// Whether this is ext2, ext3 or ext4 (one reader reads all three).
    public var isExt: Bool { self == .ext2 || self == .ext3 || self == .ext4 }
}

/// What lies at the start of a partition (or of an unpartitioned disk): the filesystem or volume
/// kind a signature names, and the label and UUID where they sit in the same few sectors. Found
/// the way `blkid` finds them, by magic numbers at fixed offsets, so koopack can say what a guest
/// holds without mounting anything.
public struct FilesystemSignature: Sendable, Equatable {
    /// The filesystem or volume kind.
    public var kind: FilesystemKind
    /// blkid's name for the kind: `ext4`, `xfs`, `LVM2_member`, `crypto_LUKS`, ...
    public var name: String { kind.rawValue }
    /// The volume label, nil when the format has none or it is empty.
    public var label: String?
    /// The volume's UUID (or serial number) in the form `blkid` prints it.
    public var uuid: String?
    /// A finer kind where one exists: `FAT12`/`FAT16`/`FAT32`, `LUKS1`/`LUKS2`.
    public var version: String?

    public init(kind: FilesystemKind, label: String? = nil, uuid: String? = nil, version: String? = nil) {
        self.kind = kind
        self.label = label.flatMap { $0.isEmpty ? nil : $0 }
        self.uuid = uuid
        self.version = version
    }
}

extension FilesystemSignature {
    /// How many bytes from a volume's start the first probe read takes: every signature but
    /// btrfs's and ISO 9660's lies in it (boot sectors, superblocks at 1 KiB, LVM labels in the
    /// first four sectors, the swap signature at the end of a 4 KiB page).
    static let headLength = 4096
    /// Where the btrfs primary superblock lies.
    static let btrfsSuperblockOffset: UInt64 = 65536
    /// Where ISO 9660's volume descriptors begin (sector 16 of 2048 bytes).
    static let isoDescriptorOffset: UInt64 = 32768

    /// Finds the signature at `offset` of `disk`, looking no further than `length` bytes (the
    /// partition's size). Three small reads at most; nil when nothing known is there.
    public static func detect(in disk: any ByteSource, at offset: UInt64, length: UInt64) throws -> FilesystemSignature? {
        let volume = SliceByteSource(disk, offset: offset, length: length)
        let head = ByteWindow(try volume.read(at: 0, count: headLength), at: offset)
        if let found = luks(head) ?? lvm2(head) ?? xfs(head) ?? ext(head) ?? swap(head)
            ?? ntfs(head) ?? exfat(head) ?? vfat(head) {
            return found
        }
        let btrfsBytes = ByteWindow(try volume.read(at: btrfsSuperblockOffset, count: 4096),
                                    at: offset &+ btrfsSuperblockOffset)
        if let found = btrfs(btrfsBytes) { return found }
        let isoBytes = ByteWindow(try volume.read(at: isoDescriptorOffset, count: 2048),
                                  at: offset &+ isoDescriptorOffset)
        return iso9660(isoBytes)
    }

    /// ext2/3/4: magic 0xEF53 at 56 of the superblock at 1024. ext4 when it uses a feature ext3
    /// lacks (extents, 64bit, flex_bg, huge_file, ...), ext3 when it has a journal, else ext2.
    static func ext(_ w: ByteWindow) -> FilesystemSignature? {
        let sb = 1024
        guard (try? w.u16le(sb + 56)) == 0xEF53,
              let compat = try? w.u32le(sb + 92), let incompat = try? w.u32le(sb + 96),
              let roCompat = try? w.u32le(sb + 100) else { return nil }
        let hasJournal = compat & 0x0004 != 0
        // Incompatible features ext3 knows: filetype, recover, meta_bg (and journal_dev).
        let ext3Incompat: UInt32 = 0x0002 | 0x0004 | 0x0010 | 0x0008
        // Read-only compatible features ext3 knows: sparse_super, large_file, btree_dir.
        let ext3RoCompat: UInt32 = 0x0001 | 0x0002 | 0x0004
        let kind: FilesystemKind
        if incompat & ~ext3Incompat != 0 || roCompat & ~ext3RoCompat != 0 {
            kind = .ext4
        } else {
            kind = hasJournal ? .ext3 : .ext2
        }
        return FilesystemSignature(kind: kind, label: try? w.cString(sb + 120, 16),
                                   uuid: try? w.uuidBigEndian(sb + 104))
    }

    /// XFS: "XFSB" at 0, UUID at 32, 12-byte label at 108.
    static func xfs(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches(Array("XFSB".utf8), at: 0),
              let blockSize = try? w.u32be(4), blockSize >= 512, blockSize <= 65536 else { return nil }
        return FilesystemSignature(kind: .xfs, label: try? w.cString(108, 12), uuid: try? w.uuidBigEndian(32))
    }

    /// btrfs: "_BHRfS_M" at 64 of the superblock at 64 KiB, fsid at 32, label at 299.
    static func btrfs(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches(Array("_BHRfS_M".utf8), at: 64) else { return nil }
        return FilesystemSignature(kind: .btrfs, label: try? w.cString(299, 256), uuid: try? w.uuidBigEndian(32))
    }

    /// Linux swap: "SWAPSPACE2" (or the old "SWAP-SPACE") in the last 10 bytes of a 4 KiB page;
    /// UUID at 1036 and label at 1052 in the version-1 header.
    static func swap(_ w: ByteWindow) -> FilesystemSignature? {
        if w.matches(Array("SWAPSPACE2".utf8), at: 4086) {
            return FilesystemSignature(kind: .swap, label: try? w.cString(1052, 16),
                                       uuid: try? w.uuidBigEndian(1036), version: "1")
        }
        if w.matches(Array("SWAP-SPACE".utf8), at: 4086) {
            return FilesystemSignature(kind: .swap, version: "0")
        }
        return nil
    }

    /// NTFS: "NTFS    " at 3 of the boot sector; the serial number at 72 is its UUID.
    static func ntfs(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches(Array("NTFS    ".utf8), at: 3) else { return nil }
        return FilesystemSignature(kind: .ntfs, uuid: (try? w.u64le(72)).map { hex($0, digits: 16) })
    }

    /// exFAT: "EXFAT   " at 3; the volume serial at 100.
    static func exfat(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches(Array("EXFAT   ".utf8), at: 3) else { return nil }
        return FilesystemSignature(kind: .exfat, uuid: (try? w.u32le(100)).map(fatSerial))
    }

    /// FAT12/16/32: a boot sector ending 0x55AA whose BIOS parameter block is sane (a jump, a
    /// power-of-two sector and cluster size, reserved sectors, one or two FATs, a media byte)
    /// and which names itself "FAT" where FAT32 or FAT12/16 put the type string.
    static func vfat(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches([0x55, 0xAA], at: 510),
              let jump = try? w.u8(0), jump == 0xEB || jump == 0xE9,
              let bytesPerSector = try? w.u16le(11), [512, 1024, 2048, 4096].contains(bytesPerSector),
              let perCluster = try? w.u8(13), perCluster != 0, perCluster & (perCluster - 1) == 0,
              let reserved = try? w.u16le(14), reserved != 0,
              let fats = try? w.u8(16), fats == 1 || fats == 2,
              let media = try? w.u8(21), media == 0xF0 || media >= 0xF8,
              let sectorsPerFAT16 = try? w.u16le(22) else { return nil }
        if sectorsPerFAT16 == 0, w.matches(Array("FAT32   ".utf8), at: 82) {
            return FilesystemSignature(kind: .vfat, label: fatLabel(w, 71),
                                       uuid: (try? w.u32le(67)).map(fatSerial), version: "FAT32")
        }
        guard w.matches(Array("FAT".utf8), at: 54) else { return nil }
        let version = w.matches(Array("FAT12".utf8), at: 54) ? "FAT12" : "FAT16"
        return FilesystemSignature(kind: .vfat, label: fatLabel(w, 43),
                                   uuid: (try? w.u32le(39)).map(fatSerial), version: version)
    }

    /// LVM2 physical volume: a "LABELONE" label in one of the first four sectors, of type
    /// "LVM2 001"; the PV UUID (32 characters) sits where the label's offset field points.
    static func lvm2(_ w: ByteWindow) -> FilesystemSignature? {
        for sector in 0..<4 {
            let at = sector * 512
            guard w.matches(Array("LABELONE".utf8), at: at), w.matches(Array("LVM2 001".utf8), at: at + 24) else { continue }
            var uuid: String?
            if let contentOffset = try? w.u32le(at + 20), contentOffset < 512,
               let raw = try? w.slice(at + Int(contentOffset), 32) {
                uuid = lvmUUID(Array(raw))
            }
            return FilesystemSignature(kind: .lvm2Member, uuid: uuid, version: "LVM2 001")
        }
        return nil
    }

    /// LUKS: "LUKS\xBA\xBE" at 0, version (1 or 2) at 6, UUID text at 168; LUKS2 has a label at 24.
    static func luks(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches([0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE], at: 0), let version = try? w.u16be(6) else { return nil }
        return FilesystemSignature(kind: .cryptoLUKS, label: version == 2 ? try? w.cString(24, 48) : nil,
                                   uuid: try? w.cString(168, 40), version: "LUKS\(version)")
    }

    /// ISO 9660: "CD001" at 1 of the descriptor at 32 KiB; the volume identifier at 40 is its label.
    static func iso9660(_ w: ByteWindow) -> FilesystemSignature? {
        guard w.matches(Array("CD001".utf8), at: 1) else { return nil }
        return FilesystemSignature(kind: .iso9660, label: try? w.paddedString(40, 32))
    }

    /// A FAT boot-sector label, nil for mkfs's "NO NAME" placeholder.
    private static func fatLabel(_ w: ByteWindow, _ o: Int) -> String? {
        guard let label = try? w.paddedString(o, 11), label != "NO NAME" else { return nil }
        return label
    }

    /// A FAT/exFAT volume serial as blkid prints it: `ABCD-1234`.
    private static func fatSerial(_ serial: UInt32) -> String {
        hex(UInt64(serial >> 16), digits: 4) + "-" + hex(UInt64(serial & 0xFFFF), digits: 4)
    }

    /// LVM's 32-character UUID grouped 6-4-4-4-4-4-6, as `pvs` prints it.
    private static func lvmUUID(_ raw: [UInt8]) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        // (ASCII only: a non-ASCII letter is one character of several bytes, and 32 bytes
        // would then be fewer than the 32 characters the grouping steps through)
        guard raw.count == 32, raw.allSatisfy({ $0 < 0x80 && (Character(UnicodeScalar($0)).isLetter || Character(UnicodeScalar($0)).isNumber) })
        else { return text }
        var out = ""
        var index = text.startIndex
        for (i, length) in [6, 4, 4, 4, 4, 4, 6].enumerated() {
            if i > 0 { out += "-" }
            let end = text.index(index, offsetBy: length)
            out += text[index..<end]
            index = end
        }
        return out
    }

    /// `value` as upper-case hex, zero-padded to `digits`.
    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
