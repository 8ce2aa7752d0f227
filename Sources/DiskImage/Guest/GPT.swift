/// A GUID partition table: the header at LBA 1 (or its backup at the disk's last LBA) and the
/// partition entry array it points at, each guarded by a CRC32.
struct GUIDPartitionTable: Sendable {
    /// "EFI PART", the header's first eight bytes.
    static let signature: [UInt8] = Array("EFI PART".utf8)
    /// Smallest header: the fields the UEFI specification defines end at 92.
    static let minimumHeaderSize: UInt32 = 92
    /// The largest entry-array koopack reads (1 MiB, 8192 entries of 128 bytes): the
    /// specification's minimum array is 16 KiB and real disks use that; a header claiming more
    /// is damaged or hostile and must not make koopack allocate by its count.
    static let maxEntryArrayBytes: UInt64 = 1 << 20
    /// Largest entry size accepted. The specification requires 128 × 2^n; no tool writes more
    /// than 128, and 4 KiB keeps one entry within a sector of the largest size koopack reads.
    static let maxEntrySize: UInt32 = 4096

    /// The header fields koopack uses.
    struct Header: Sendable {
        var revision: UInt32
        var headerSize: UInt32
        var myLBA: UInt64
        var alternateLBA: UInt64
        var firstUsableLBA: UInt64
        var lastUsableLBA: UInt64
        var diskGUID: String
        var entriesLBA: UInt64
        var entryCount: UInt32
        var entrySize: UInt32
        var entriesCRC: UInt32
    }

    var diskGUID: String?
    var partitions: [GuestPartition]
    var warnings: [String]

    /// Reads the GPT of `disk` with `sectorSize`-byte sectors: the primary header and entries
    /// when both pass their CRCs (the backup is then not read), else the backup at the last LBA
    /// (with a warning), else no partitions and a warning. Throws only on read failures.
    static func read(from disk: any ByteSource, sectorSize: UInt64) throws -> GUIDPartitionTable {
        var warnings: [String] = []
        let lastLBA = disk.size / sectorSize > 0 ? disk.size / sectorSize - 1 : 0
        var chosen: (header: Header, entries: [GuestPartition])?
        var primaryHeader: Header?
        switch try readHeader(disk, lba: 1, sectorSize: sectorSize) {
        case .success(let header):
            primaryHeader = header
            switch try readEntries(disk, header: header, sectorSize: sectorSize, arrayEnd: header.firstUsableLBA, warnings: &warnings) {
            case .success(let entries): chosen = (header, entries)
            case .failure(let problem):
                warnings.append("the primary GPT's partition entries are damaged (\(problem.message)); using the backup GPT")
            }
        case .failure(let problem):
            warnings.append("the primary GPT header at LBA 1 is damaged (\(problem.message)); using the backup GPT")
        }

        if let primary = chosen?.header {
            // A good primary is enough: the backup at the disk's last LBA is not read, so no
            // guest view pays for a read at the far end of the disk (a walk through the whole
            // image for formats without an index, such as ZVHD). Where the primary puts it is
            // checked without reading: a truncated image loses it.
            if primary.alternateLBA > lastLBA {
                warnings.append("the backup GPT header at LBA \(primary.alternateLBA) lies past the end of the disk (last LBA \(lastLBA))")
            } else if primary.alternateLBA != lastLBA {
                warnings.append("the primary GPT header puts the backup at LBA \(primary.alternateLBA), but the disk's last LBA is \(lastLBA)")
            }
        } else {
            var candidates = [lastLBA]
            if let alternate = primaryHeader?.alternateLBA, alternate != lastLBA, alternate <= lastLBA, alternate > 1 {
                candidates.append(alternate)
            }
            for lba in candidates where chosen == nil {
                switch try readHeader(disk, lba: lba, sectorSize: sectorSize) {
                case .success(let header):
                    switch try readEntries(disk, header: header, sectorSize: sectorSize, arrayEnd: lba, warnings: &warnings) {
                    case .success(let entries): chosen = (header, entries)
                    case .failure(let problem):
                        warnings.append("the backup GPT's partition entries are damaged (\(problem.message))")
                    }
                case .failure(let problem):
                    warnings.append("the backup GPT header at LBA \(lba) is damaged (\(problem.message))")
                }
            }
            if chosen == nil {
                warnings.append("neither the primary nor the backup GPT is valid: no partitions can be listed")
            }
        }

        guard let chosen else { return GUIDPartitionTable(diskGUID: nil, partitions: [], warnings: warnings) }
        for partition in chosen.entries {
            let firstLBA = partition.start / sectorSize
            let sectors = partition.size / sectorSize
            if firstLBA < chosen.header.firstUsableLBA || firstLBA + sectors - 1 > chosen.header.lastUsableLBA {
                warnings.append("partition \(partition.index) (LBA \(firstLBA)–\(firstLBA + sectors - 1)) lies outside the GPT's usable LBAs \(chosen.header.firstUsableLBA)–\(chosen.header.lastUsableLBA)")
            }
            MasterBootRecord.checkBounds(partition, disk: disk, warnings: &warnings)
        }
        return GUIDPartitionTable(diskGUID: chosen.header.diskGUID, partitions: chosen.entries, warnings: warnings)
    }

    /// The header at `lba`, checked: signature, size, CRC32 (computed with its own field
    /// zeroed), that it names its own LBA, and a sane entry size. A failure says why.
    static func readHeader(_ disk: any ByteSource, lba: UInt64, sectorSize: UInt64) throws -> Result<Header, ImageError> {
        let (offset, overflow) = lba.multipliedReportingOverflow(by: sectorSize)
        guard !overflow else { return .failure(ImageError(.outOfRange, "LBA \(lba) is past any disk")) }
        let bytes = try disk.read(at: offset, count: Int(sectorSize))
        guard bytes.count == Int(sectorSize) else {
            return .failure(ImageError(.truncated, offset: offset, "the header at offset \(offset) lies past the end of the disk (\(disk.size) bytes)"))
        }
        let w = ByteWindow(bytes, at: offset)
        guard w.matches(signature, at: 0) else {
            return .failure(.invalid(.badMagic, "GPT signature", at: offset, "is not \"EFI PART\""))
        }
        do {
            let headerSize = try w.u32le(12)
            guard headerSize >= minimumHeaderSize, UInt64(headerSize) <= sectorSize else {
                return .failure(.invalid(.outOfRange, "GPT header size", at: offset + 12, "\(headerSize) is outside \(minimumHeaderSize)–\(sectorSize)"))
            }
            let storedCRC = try w.u32le(16)
            var zeroed = Array(bytes[0..<Int(headerSize)])
            for i in 16..<20 { zeroed[i] = 0 }
            let computed = Decompression.crc32(zeroed[...])
            guard computed == storedCRC else {
                return .failure(.invalid(.checksum, "GPT header CRC32", at: offset + 16,
                                         "stored 0x\(String(storedCRC, radix: 16)) but the header's CRC32 is 0x\(String(computed, radix: 16))"))
            }
            let header = Header(revision: try w.u32le(8), headerSize: headerSize, myLBA: try w.u64le(24),
                                alternateLBA: try w.u64le(32), firstUsableLBA: try w.u64le(40),
                                lastUsableLBA: try w.u64le(48), diskGUID: try w.guidMixedEndian(56),
                                entriesLBA: try w.u64le(72), entryCount: try w.u32le(80),
                                entrySize: try w.u32le(84), entriesCRC: try w.u32le(88))
            guard header.myLBA == lba else {
                return .failure(.invalid(.outOfRange, "GPT header's own LBA", at: offset + 24, "says \(header.myLBA) but the header sits at LBA \(lba)"))
            }
            guard header.entrySize >= 128, header.entrySize <= maxEntrySize, header.entrySize % 8 == 0 else {
                return .failure(.invalid(.outOfRange, "GPT partition entry size", at: offset + 84, "\(header.entrySize) is not a multiple of 8 in 128–\(maxEntrySize)"))
            }
            guard header.firstUsableLBA <= header.lastUsableLBA else {
                return .failure(.invalid(.outOfRange, "GPT usable LBAs", at: offset + 40, "first usable \(header.firstUsableLBA) is after last usable \(header.lastUsableLBA)"))
            }
            return .success(header)
        } catch let error as ImageError {
            return .failure(error)
        }
    }

    /// The partition entries `header` points at, checked against its entries CRC32. The array
    /// read is capped by `maxEntryArrayBytes` and by the room between the array's start and
    /// `arrayEnd` (the first usable LBA for the primary, the backup header's LBA for the
    /// backup), so a header claiming millions of entries reads only what can be there; the
    /// CRC cannot then be checked, which is a warning.
    static func readEntries(_ disk: any ByteSource, header: Header, sectorSize: UInt64, arrayEnd: UInt64,
                            warnings: inout [String]) throws -> Result<[GuestPartition], ImageError> {
        let entrySize = UInt64(header.entrySize)
        let (claimedBytes, _) = UInt64(header.entryCount).multipliedReportingOverflow(by: entrySize)
        let (arrayOffset, overflow) = header.entriesLBA.multipliedReportingOverflow(by: sectorSize)
        guard !overflow, arrayOffset < disk.size else {
            return .failure(ImageError(.truncated, "the partition entry array at LBA \(header.entriesLBA) lies past the end of the disk (\(disk.size) bytes)"))
        }
        let room = arrayEnd > header.entriesLBA ? (arrayEnd - header.entriesLBA).multipliedReportingOverflow(by: sectorSize).partialValue : 0
        let readable = min(claimedBytes, maxEntryArrayBytes, room, disk.size - arrayOffset)
        let count = Int(readable / entrySize)
        let capped = UInt64(count) < UInt64(header.entryCount)
        if capped {
            warnings.append("the GPT header claims \(header.entryCount) partition entries of \(entrySize) bytes (\(claimedBytes) bytes), more than fit before LBA \(arrayEnd) or than koopack reads (\(maxEntryArrayBytes) bytes); reading the first \(count) entries, whose CRC32 cannot be checked")
        }
        let bytes = try disk.read(at: arrayOffset, count: count * Int(entrySize))
        guard bytes.count == count * Int(entrySize) else {
            return .failure(ImageError(.truncated, offset: arrayOffset, "the partition entry array at offset \(arrayOffset) is cut short by the end of the disk"))
        }
        if !capped {
            let computed = Decompression.crc32(bytes[...])
            guard computed == header.entriesCRC else {
                return .failure(.invalid(.checksum, "GPT partition entries CRC32", at: header.myLBA * sectorSize + 88,
                                         "stored 0x\(String(header.entriesCRC, radix: 16)) but the entries' CRC32 is 0x\(String(computed, radix: 16))"))
            }
        }
        let w = ByteWindow(bytes, at: arrayOffset)
        var partitions: [GuestPartition] = []
        for i in 0..<count {
            let o = i * Int(entrySize)
            guard let raw = try? w.slice(o, 16), raw.contains(where: { $0 != 0 }) else { continue }
            do {
                let type = try w.guidMixedEndian(o)
                let first = try w.u64le(o + 32)
                let last = try w.u64le(o + 40)
                let attributes = try w.u64le(o + 48)
                guard first <= last else {
                    warnings.append("GPT entry \(i + 1) ends (LBA \(last)) before it starts (LBA \(first)); ignored")
                    continue
                }
                let (start, o1) = first.multipliedReportingOverflow(by: sectorSize)
                let (sectors, o0) = (last - first).addingReportingOverflow(1)
                let (size, o2) = sectors.multipliedReportingOverflow(by: sectorSize)
                guard !o0, !o1, !o2 else {
                    warnings.append("GPT entry \(i + 1) has LBAs \(first)–\(last) beyond any disk; ignored")
                    continue
                }
                var partition = GuestPartition(index: i + 1, start: start, size: size, type: type,
                                               typeName: PartitionTypeNames.gpt(type),
                                               bootable: attributes & 0x4 != 0,
                                               name: try name(w, o + 56), partitionGUID: try w.guidMixedEndian(o + 16))
                if partition.name?.isEmpty == true { partition.name = nil }
                partitions.append(partition)
            } catch let error as ImageError {
                warnings.append("GPT entry \(i + 1) cannot be read: \(error.message)")
            }
        }
        return .success(partitions)
    }

    /// The 72-byte UTF-16LE partition name at `o`, up to its first NUL.
    private static func name(_ w: ByteWindow, _ o: Int) throws -> String {
        var units: [UInt16] = []
        for i in 0..<36 {
            let unit = try w.u16le(o + i * 2)
            if unit == 0 { break }
            units.append(unit)
        }
        return String(decoding: units, as: UTF16.self)
    }
}
