/// The names a volume can be mounted by, as `blkid` reports them: its UUID (or serial) and its
/// label. fstab, systemd units and the kernel's `root=` name filesystems this way, and a name no
/// volume in the image has stops the buyer's boot (KG414), so each is read the way blkid reads
/// it, from the volume's own bytes: the superblock or boot sector, and where blkid looks further
/// (FAT's root-directory label, NTFS's `$Volume` record), there too, with bounded reads.
public struct FilesystemIdentity: Sendable, Equatable, Hashable {
    /// blkid's `UUID`: 8-4-4-4-12 lower case for ext, XFS, btrfs and swap; `ABCD-1234` for
    /// FAT; 16 hex digits for NTFS; LVM's 32-character PV UUID with dashes; `YYYY-MM-DD-...`
    /// for ISO 9660.
    public var uuid: String?
    /// blkid's `LABEL`; nil when the volume has none.
    public var label: String?

    public init(uuid: String?, label: String?) {
        self.uuid = uuid.flatMap { $0.isEmpty ? nil : $0 }
        self.label = label.flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension FilesystemIdentity {
    /// Most FAT32 root-directory clusters followed to find the volume label entry, and most
    /// root-directory bytes read in all.
    public static let maxFATRootClusters = 64
    public static let maxFATRootBytes = 1 << 20
    /// Largest NTFS MFT record read (records are 1 KiB, 4 KiB on 4Kn disks).
    public static let maxNTFSRecordBytes = 64 << 10

    /// The identity of the volume `volume`, whose signature names it `kind` (blkid's name:
    /// `ext4`, `xfs`, `vfat`, `swap`, `btrfs`, `ntfs`, `LVM2_member`, `crypto_LUKS`,
    /// `iso9660`, ...); nil for a kind koopack reads no identity of. Throws only when the
    /// source cannot be read; damaged structures give a nil UUID or label.
    public static func read(kind: String, in volume: any ByteSource) throws -> FilesystemIdentity? {
        switch kind {
        case "ext2", "ext3", "ext4":
            let w = ByteWindow(try volume.read(at: 1024, count: 1024), at: 1024)
            return FilesystemIdentity(uuid: try? w.uuidBigEndian(0x68), label: try? w.cString(0x78, 16))
        case "xfs":
            let w = ByteWindow(try volume.read(at: 0, count: 512))
            return FilesystemIdentity(uuid: try? w.uuidBigEndian(32), label: try? w.cString(108, 12))
        case "btrfs":
            let w = ByteWindow(try volume.read(at: 65536, count: 4096), at: 65536)
            return FilesystemIdentity(uuid: try? w.uuidBigEndian(32), label: try? w.cString(299, 256))
        case "swap":
            let w = ByteWindow(try volume.read(at: 0, count: 4096))
            guard w.matches(Array("SWAPSPACE2".utf8), at: 4086) || (try? w.u32le(1024)) == 1 else {
                return FilesystemIdentity(uuid: nil, label: nil)
            }
            return FilesystemIdentity(uuid: try? w.uuidBigEndian(1036), label: try? w.cString(1052, 16))
        case "vfat":
            return try fat(volume)
        case "ntfs":
            return try ntfs(volume)
        case "exfat":
            return try exfat(volume)
        case "LVM2_member":
            return lvm2(ByteWindow(try volume.read(at: 0, count: 2048)))
        case "crypto_LUKS":
            let w = ByteWindow(try volume.read(at: 0, count: 512))
            let version = try? w.u16be(6)
            return FilesystemIdentity(uuid: try? w.cString(168, 40), label: version == 2 ? try? w.cString(24, 48) : nil)
        case "iso9660":
            return try iso9660(volume)
        default:
            return nil
        }
    }

    /// An MBR partition's PARTUUID as blkid and the kernel give it: the disk signature as eight
    /// lower-case hex digits, a dash, and the partition number as two (`1a2b3c4d-05`). `diskID`
    /// is the guest view's `0x1a2b3c4d`. Nil for a disk signature of zero, which gives none.
    public static func mbrPartitionUUID(diskID: String, partition: Int) -> String? {
        let hex = diskID.lowercased().hasPrefix("0x") ? String(diskID.dropFirst(2)) : diskID
        guard hex.count == 8, let signature = UInt32(hex, radix: 16), signature != 0, partition >= 1, partition <= 255 else {
            return nil
        }
        let number = String(partition, radix: 16)
        return hex.lowercased() + "-" + (number.count < 2 ? "0" : "") + number
    }
}

extension FilesystemIdentity {
    /// FAT12/16/32. blkid's `UUID` is the boot sector's serial number; its `LABEL` is the volume
    /// label entry of the root directory (attribute 0x08), not the boot sector's copy, which
    /// it calls `LABEL_FATBOOT` and which `mkfs.fat` leaves as "NO NAME".
    static func fat(_ volume: any ByteSource) throws -> FilesystemIdentity {
        let w = ByteWindow(try volume.read(at: 0, count: 512))
        guard let bytesPerSector = try? w.u16le(11), [512, 1024, 2048, 4096].contains(bytesPerSector),
              let perCluster = try? w.u8(13), perCluster != 0,
              let reserved = try? w.u16le(14), let fats = try? w.u8(16),
              let rootEntries = try? w.u16le(17), let fat16Length = try? w.u16le(22) else {
            return FilesystemIdentity(uuid: nil, label: nil)
        }
        let sector = UInt64(bytesPerSector)
        let isFAT32 = fat16Length == 0
        let serial = try? w.u32le(isFAT32 ? 67 : 39)
        let uuid = serial.map { hex(UInt64($0 >> 16), 4) + "-" + hex(UInt64($0 & 0xFFFF), 4) }
        let fatLength = isFAT32 ? UInt64((try? w.u32le(36)) ?? 0) : UInt64(fat16Length)
        let fatStart = UInt64(reserved) * sector
        let rootDirSectors = (UInt64(rootEntries) * 32 + sector - 1) / sector
        let dataStart = fatStart + UInt64(fats) * fatLength * sector + (isFAT32 ? 0 : rootDirSectors * sector)
        let clusterBytes = UInt64(perCluster) * sector

        var label: String?
        if !isFAT32 {
            let bytes = try volume.read(at: fatStart + UInt64(fats) * fatLength * sector,
                                        count: min(Int(rootEntries) * 32, maxFATRootBytes))
            label = fatVolumeLabel(bytes).label
        } else if var cluster = try? w.u32le(44) {
            var read = 0
            for _ in 0..<maxFATRootClusters {
                guard cluster >= 2, cluster < 0x0FFF_FFF7, read < maxFATRootBytes else { break }
                let offset = dataStart + UInt64(cluster - 2) * clusterBytes
                let bytes = try volume.read(at: offset, count: Int(clusterBytes))
                read += bytes.count
                let found = fatVolumeLabel(bytes)
                if found.label != nil || found.ended { label = found.label; break }
                let entry = ByteWindow(try volume.read(at: fatStart + UInt64(cluster) * 4, count: 4))
                guard let next = try? entry.u32le(0) else { break }
                cluster = next & 0x0FFF_FFFF
            }
        }
        return FilesystemIdentity(uuid: uuid, label: label)
    }

    /// The volume label entry among FAT directory entries, and whether the directory's end
    /// marker (an entry starting with 0) was met. Deleted entries (0xE5) and long-name entries
    /// (attribute 0x0F) are skipped, as blkid does; trailing spaces are removed.
    static func fatVolumeLabel(_ bytes: [UInt8]) -> (label: String?, ended: Bool) {
        var offset = 0
        while offset + 32 <= bytes.count {
            let first = bytes[offset]
            let attribute = bytes[offset + 11]
            if first == 0 { return (nil, true) }
            if first != 0xE5, attribute != 0x0F, attribute & 0x18 == 0x08 {
                var name = Array(bytes[offset..<(offset + 11)])
                if name[0] == 0x05 { name[0] = 0xE5 }
                while let last = name.last, last == 0x20 || last == 0 { name.removeLast() }
                return (String(decoding: name, as: UTF8.self), true)
            }
            offset += 32
        }
        return (nil, false)
    }

    /// An LVM2 physical volume: the PV UUID from the label (`LABELONE` in one of the first four
    /// sectors), as `pvs` prints it (6-4-4-4-4-4-6); a PV has no label.
    static func lvm2(_ w: ByteWindow) -> FilesystemIdentity {
        for sector in 0..<4 {
            let at = sector * 512
            guard w.matches(Array("LABELONE".utf8), at: at), let header = try? w.u32le(at + 20), header < 512,
                  let raw = try? w.slice(at + Int(header), 32) else { continue }
            let text = String(decoding: raw, as: UTF8.self)
            guard text.utf8.count == 32, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { break }
            var grouped = ""
            var index = text.startIndex
            for (i, length) in [6, 4, 4, 4, 4, 4, 6].enumerated() {
                let end = text.index(index, offsetBy: length)
                grouped += (i > 0 ? "-" : "") + text[index..<end]
                index = end
            }
            return FilesystemIdentity(uuid: grouped, label: nil)
        }
        return FilesystemIdentity(uuid: nil, label: nil)
    }

    /// exFAT: `UUID` is the boot sector's volume serial (`ABCD-1234`); `LABEL` is the root
    /// directory's volume label entry (type 0x83: a character count and up to 11 UTF-16 units),
    /// the directory followed through the FAT as a chain of clusters.
    static func exfat(_ volume: any ByteSource) throws -> FilesystemIdentity {
        let w = ByteWindow(try volume.read(at: 0, count: 512))
        let uuid = (try? w.u32le(100)).map { hex(UInt64($0 >> 16), 4) + "-" + hex(UInt64($0 & 0xFFFF), 4) }
        guard let fatOffset = try? w.u32le(80), let heapOffset = try? w.u32le(88), var cluster = try? w.u32le(96),
              let sectorShift = try? w.u8(108), (9...12).contains(sectorShift),
              let clusterShift = try? w.u8(109), Int(sectorShift) + Int(clusterShift) <= 25 else {
            return FilesystemIdentity(uuid: uuid, label: nil)
        }
        let sector = UInt64(1) << UInt64(sectorShift)
        let clusterBytes = sector << UInt64(clusterShift)
        var read = 0
        for _ in 0..<maxFATRootClusters {
            guard cluster >= 2, cluster < 0xFFFF_FFF7, read < maxFATRootBytes else { break }
            let bytes = try volume.read(at: UInt64(heapOffset) * sector + UInt64(cluster - 2) * clusterBytes,
                                        count: Int(min(clusterBytes, UInt64(maxFATRootBytes))))
            read += bytes.count
            var offset = 0
            while offset + 32 <= bytes.count {
                switch bytes[offset] {
                case 0x00:
                    return FilesystemIdentity(uuid: uuid, label: nil)
                case 0x83:
                    let characters = min(Int(bytes[offset + 1]), 11)
                    let units = (0..<characters).map { UInt16(bytes[offset + 2 + 2 * $0]) | UInt16(bytes[offset + 3 + 2 * $0]) << 8 }
                    return FilesystemIdentity(uuid: uuid, label: String(decoding: units, as: UTF16.self))
                default:
                    offset += 32
                }
            }
            let entry = ByteWindow(try volume.read(at: UInt64(fatOffset) * sector + UInt64(cluster) * 4, count: 4))
            guard let next = try? entry.u32le(0) else { break }
            cluster = next
        }
        return FilesystemIdentity(uuid: uuid, label: nil)
    }

    /// NTFS: `UUID` is the boot sector's 64-bit serial number (16 upper-case hex digits);
    /// `LABEL` is the `$VOLUME_NAME` attribute (0x60) of MFT record 3 (`$Volume`), read after
    /// the record's update-sequence fix-ups.
    static func ntfs(_ volume: any ByteSource) throws -> FilesystemIdentity {
        let w = ByteWindow(try volume.read(at: 0, count: 512))
        let uuid = (try? w.u64le(72)).map { hex($0, 16) }
        guard let bytesPerSector = try? w.u16le(11), [256, 512, 1024, 2048, 4096].contains(bytesPerSector),
              let perCluster = try? w.u8(13), perCluster != 0,
              let mftCluster = try? w.u64le(48), let recordField = try? w.u8(64) else {
            return FilesystemIdentity(uuid: uuid, label: nil)
        }
        // Sectors per cluster above 0x80, and clusters per record below 0, are negative powers
        // of two: 2^-n sectors (bytes, for records).
        let shift = 256 - UInt64(perCluster)
        let sectorsPerCluster: UInt64 = perCluster <= 0x80 ? UInt64(perCluster) : (shift <= 16 ? 1 << shift : 0)
        let clusterBytes = UInt64(bytesPerSector) * sectorsPerCluster
        let signed = Int(Int8(bitPattern: recordField))
        let recordBytes: UInt64 = signed < 0 ? (-signed <= 16 ? 1 << UInt64(-signed) : 0) : UInt64(signed) * clusterBytes
        let (mftOffset, overflow) = mftCluster.multipliedReportingOverflow(by: clusterBytes)
        guard recordBytes >= 512, recordBytes <= UInt64(maxNTFSRecordBytes), !overflow,
              mftOffset < volume.size, volume.size - mftOffset > 4 * recordBytes else {
            return FilesystemIdentity(uuid: uuid, label: nil)
        }
        var record = try volume.read(at: mftOffset + 3 * recordBytes, count: Int(recordBytes))
        guard record.count == Int(recordBytes), record.starts(with: Array("FILE".utf8)),
              applyFixups(&record, sectorSize: Int(bytesPerSector)) else {
            return FilesystemIdentity(uuid: uuid, label: nil)
        }
        let r = ByteWindow(record)
        var offset = Int((try? r.u16le(20)) ?? 0)
        for _ in 0..<64 {
            guard let type = try? r.u32le(offset), type != 0xFFFF_FFFF, let length = try? r.u32le(offset + 4),
                  length >= 24, Int(length) <= record.count - offset else { break }
            if type == 0x60, (try? r.u8(offset + 8)) == 0,  // resident
               let valueLength = try? r.u32le(offset + 16), let valueOffset = try? r.u16le(offset + 20),
               let raw = try? r.slice(offset + Int(valueOffset), Int(valueLength)), raw.count % 2 == 0 {
                var units: [UInt16] = []
                var i = raw.startIndex
                while i + 1 < raw.endIndex { units.append(UInt16(raw[i]) | UInt16(raw[i + 1]) << 8); i += 2 }
                return FilesystemIdentity(uuid: uuid, label: String(decoding: units, as: UTF16.self))
            }
            offset += Int(length)
        }
        return FilesystemIdentity(uuid: uuid, label: nil)
    }

    /// Applies an NTFS record's update sequence array: the last two bytes of every sector were
    /// replaced by the sequence number on write and are restored from the array. False when the
    /// array does not fit or a sector's bytes do not carry the sequence number (a torn record).
    static func applyFixups(_ record: inout [UInt8], sectorSize: Int) -> Bool {
        let w = ByteWindow(record)
        guard let arrayOffset = try? w.u16le(4), let count = try? w.u16le(6), count >= 1,
              Int(arrayOffset) + Int(count) * 2 <= record.count,
              (Int(count) - 1) * sectorSize <= record.count else { return false }
        let sequence = (record[Int(arrayOffset)], record[Int(arrayOffset) + 1])
        for i in 1..<Int(count) {
            let end = i * sectorSize
            guard record[end - 2] == sequence.0, record[end - 1] == sequence.1 else { return false }
            record[end - 2] = record[Int(arrayOffset) + 2 * i]
            record[end - 1] = record[Int(arrayOffset) + 2 * i + 1]
        }
        return true
    }

    /// ISO 9660: the primary volume descriptor's volume identifier is the label; blkid makes
    /// the UUID from its modification date, else its creation date (`YYYY-MM-DD-HH-MM-SS-cc`),
    /// when that date is set (not all zeros or blanks).
    static func iso9660(_ volume: any ByteSource) throws -> FilesystemIdentity {
        let w = ByteWindow(try volume.read(at: 32768, count: 2048), at: 32768)
        guard w.matches(Array("CD001".utf8), at: 1) else { return FilesystemIdentity(uuid: nil, label: nil) }
        func date(_ o: Int) -> String? {
            guard let raw = try? w.slice(o, 16), raw.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  raw.contains(where: { $0 != 0x30 }) else { return nil }
            let d = Array(raw).map { Character(UnicodeScalar($0)) }
            return "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))-\(String(d[8..<10]))-\(String(d[10..<12]))-\(String(d[12..<14]))-\(String(d[14..<16]))"
        }
        return FilesystemIdentity(uuid: date(830) ?? date(813), label: try? w.paddedString(40, 32))
    }

    /// `value` as upper-case hex, zero-padded to `digits`.
    private static func hex(_ value: UInt64, _ digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
