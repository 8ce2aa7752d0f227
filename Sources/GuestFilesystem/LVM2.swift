import DiskImage

/// One segment of a logical volume: `extentCount` extents from LV extent `startExtent` on,
/// stored from extent `physicalExtent` of physical volume `physicalVolume` (a name such as "pv0").
public struct LVMSegment: Sendable, Equatable {
    public var startExtent: UInt64
    public var extentCount: UInt64
    /// "striped" (with one stripe: linear), "mirror", "raid1", "thin", ...
    public var type: String
    public var stripeCount: Int64
    public var physicalVolume: String?
    public var physicalExtent: UInt64?
}

/// A logical volume in a volume group's metadata.
public struct LVMLogicalVolume: Sendable, Equatable {
    public var name: String
    public var volumeGroup: String
    public var id: String
    /// The volume's extents (the sum of its segments' counts).
    public var extentCount: UInt64
    public var segments: [LVMSegment]
}

/// An LVM2 physical volume: its label, PV header, and the current metadata of its volume
/// group, from which its logical volumes can be listed and opened as guest disks.
public struct LVM2PhysicalVolume: Sendable {
    /// "LABELONE".
    static let labelID: [UInt8] = Array("LABELONE".utf8)
    /// "LVM2 001".
    static let labelType: [UInt8] = Array("LVM2 001".utf8)
    /// The metadata area header magic.
    static let metadataMagic: [UInt8] = Array(" LVM2 x[5A%r0N*>".utf8)
    /// Most data or metadata area descriptors read from a PV header (LVM writes one or two).
    public static let maxAreas = 8
    /// Most segments in one logical volume.
    public static let maxSegments = 65_536
    /// `raw_locn` flag: this area's metadata is deliberately not kept up to date.
    static let rawLocationIgnored: UInt32 = 0x1
    /// The metadata area header's size; a wrapped metadata text continues right after it.
    static let metadataHeaderSize: UInt64 = 512

    public let source: any ByteSource
    /// The PV's UUID as LVM prints it (32 characters, dashes removed).
    public let uuid: String
    public let deviceSize: UInt64
    public let volumeGroup: String
    /// Bytes per extent.
    public let extentSize: UInt64
    /// The name this PV has in the metadata ("pv0") and the byte offset of its first extent.
    public let physicalVolumeName: String
    public let dataStart: UInt64
    /// The parsed metadata text.
    public let metadata: LVMValue
    private let volumes: [LVMLogicalVolume]

    /// Whether `source` carries an LVM2 label in one of its first four sectors.
    public static func probe(_ source: any ByteSource) -> Bool {
        (try? findLabel(source)) != nil
    }

    private static func findLabel(_ source: any ByteSource) throws -> ByteWindow {
        for sector in 0..<4 {
            let w = try source.window(at: UInt64(sector) * 512, count: 512, what: "LVM2 label sector")
            if w.matches(labelID, at: 0), w.matches(labelType, at: 24) { return w }
        }
        throw ImageError(.badMagic, offset: 0, "no LVM2 label (\"LABELONE\" with \"LVM2 001\") in sectors 0 to 3")
    }

    /// Reads the label, PV header, metadata area header and current metadata text of the PV on
    /// `source`.
    public init(_ source: any ByteSource) throws {
        self.source = source
        let label = try Self.findLabel(source)
        let headerOffset = UInt64(try label.u32le(20))
        guard headerOffset >= 32, headerOffset <= 512 - 40 else {
            throw ImageError.invalid(.outOfRange, "LVM2 label PV header offset", at: label.base + 20, "\(headerOffset) is not inside the label sector")
        }
        let pv = ByteWindow(Array(try label.slice(Int(headerOffset), 512 - Int(headerOffset))), at: label.base + headerOffset)
        uuid = String(decoding: try pv.slice(0, 32), as: UTF8.self)
        deviceSize = try pv.u64le(32)
        var position = 40
        var dataAreas: [(UInt64, UInt64)] = []
        var metadataAreas: [(UInt64, UInt64)] = []
        for list in 0..<2 {
            while true {
                let offset = try pv.u64le(position)
                let size = try pv.u64le(position + 8)
                position += 16
                if offset == 0 { break }
                guard (list == 0 ? dataAreas.count : metadataAreas.count) < Self.maxAreas else {
                    throw ImageError.invalid(.limit, "LVM2 PV header area list", at: pv.base + UInt64(position), "has more than \(Self.maxAreas) entries")
                }
                if list == 0 { dataAreas.append((offset, size)) } else { metadataAreas.append((offset, size)) }
            }
        }
        guard !metadataAreas.isEmpty else {
            throw ImageError.invalid(.invalid, "LVM2 PV header", at: pv.base, "lists no metadata area")
        }
        // The first area whose metadata is not marked ignored (pvchange --metadataignore).
        var found: (bytes: [UInt8], offset: UInt64)? = nil
        for area in metadataAreas where found == nil {
            found = try Self.currentMetadata(source, area: area)
        }
        guard let text = found else {
            throw ImageError.invalid(.invalid, "LVM2 PV header", at: pv.base, "every metadata area is marked ignored")
        }
        metadata = try LVMMetadataParser.parse(text.bytes, base: text.offset)
        guard let (vgName, vg) = metadata.sections.first else {
            throw ImageError(.invalid, offset: text.offset, "LVM metadata text has no volume group section")
        }
        volumeGroup = vgName
        guard let sectors = vg["extent_size"]?.number, sectors >= 1, sectors <= Int64(UInt32.max) else {
            throw ImageError(.outOfRange, offset: text.offset, "LVM volume group \(vgName): extent_size is missing or out of range")
        }
        extentSize = UInt64(sectors) * 512
        let bare = uuid.filter { $0 != "-" }
        guard let (pvName, pvSection) = vg["physical_volumes"]?.sections.first(where: {
            ($0.1["id"]?.string ?? "").filter { $0 != "-" } == bare
        }) else {
            throw ImageError(.invalid, offset: text.offset, "LVM volume group \(vgName) does not list this physical volume (\(uuid))")
        }
        physicalVolumeName = pvName
        guard let peStart = pvSection["pe_start"]?.number, peStart >= 0, peStart <= Int64(UInt64.max / 512) else {
            throw ImageError(.outOfRange, offset: text.offset, "LVM physical volume \(pvName): pe_start is missing or out of range")
        }
        dataStart = UInt64(peStart) * 512
        volumes = Self.logicalVolumes(in: vg, group: vgName)
    }

    /// The current metadata text: the first raw location of the metadata area header, which may
    /// wrap around the end of the circular area to just after the header; nil when the area is
    /// marked ignored.
    private static func currentMetadata(_ source: any ByteSource, area: (UInt64, UInt64)) throws -> (bytes: [UInt8], offset: UInt64)? {
        let (start, size) = area
        let header = try source.window(at: start, count: Int(metadataHeaderSize), what: "LVM2 metadata area header")
        guard header.matches(metadataMagic, at: 4) else {
            throw ImageError.invalid(.badMagic, "LVM2 metadata area header magic", at: start + 4, "is not \" LVM2 x[5A%r0N*>\"")
        }
        if try header.u32le(60) & rawLocationIgnored != 0 { return nil }
        let textOffset = try header.u64le(40)
        let textSize = try header.u64le(48)
        guard textSize >= 1, textSize <= UInt64(LVMMetadataParser.maxText) else {
            throw ImageError.invalid(.outOfRange, "LVM2 metadata text size", at: start + 48, "\(textSize) is not 1 to \(LVMMetadataParser.maxText)")
        }
        guard size > metadataHeaderSize, textOffset >= metadataHeaderSize, textOffset < size,
              textSize <= size - metadataHeaderSize else {
            throw ImageError.invalid(.outOfRange, "LVM2 metadata text location", at: start + 40, "offset \(textOffset), \(textSize) bytes do not fit the \(size)-byte metadata area")
        }
        let (absolute, overflow) = start.addingReportingOverflow(textOffset)
        guard !overflow else { throw ImageError.invalid(.outOfRange, "LVM2 metadata text offset", at: start + 40, "overflows") }
        let first = min(textSize, size - textOffset)
        var bytes = try source.readExactly(at: absolute, count: Int(first), what: "LVM2 metadata text")
        if first < textSize {
            bytes += try source.readExactly(at: start + metadataHeaderSize, count: Int(textSize - first), what: "LVM2 metadata text (wrapped)")
        }
        return (bytes, absolute)
    }

    /// The logical volumes of volume group section `vg`; sections that lack required keys are
    /// skipped, and segments are kept as written (checked when a volume is opened).
    private static func logicalVolumes(in vg: LVMValue, group: String) -> [LVMLogicalVolume] {
        var result: [LVMLogicalVolume] = []
        for (name, lv) in vg["logical_volumes"]?.sections ?? [] {
            var segments: [LVMSegment] = []
            var extents: UInt64 = 0
            for (_, seg) in lv.sections.prefix(maxSegments) {
                guard let start = seg["start_extent"]?.number, let count = seg["extent_count"]?.number,
                      start >= 0, count >= 1 else { continue }
                let stripes = seg["stripes"]?.array ?? []
                let pvExtent = stripes.count >= 2 ? stripes[1].number.flatMap { $0 >= 0 ? UInt64($0) : nil } : nil
                segments.append(LVMSegment(startExtent: UInt64(start), extentCount: UInt64(count),
                                           type: seg["type"]?.string ?? "", stripeCount: seg["stripe_count"]?.number ?? 0,
                                           physicalVolume: stripes.first?.string, physicalExtent: pvExtent))
                extents = extents.addingReportingOverflow(UInt64(count)).overflow ? UInt64.max : extents + UInt64(count)
            }
            segments.sort { $0.startExtent < $1.startExtent }
            result.append(LVMLogicalVolume(name: name, volumeGroup: group, id: lv["id"]?.string ?? "",
                                           extentCount: extents, segments: segments))
        }
        return result
    }

    /// The logical volumes of this PV's volume group.
    public func logicalVolumes() -> [LVMLogicalVolume] { volumes }

    /// The guest disk of logical volume `lv`: a slice of this PV for one linear segment, a
    /// block-mapped composite for several. Throws when a segment is not linear, lies on another
    /// PV, or lies outside this one.
    public func open(_ lv: LVMLogicalVolume) throws -> any ByteSource {
        var pieces: [(lvStart: UInt64, length: UInt64, pvOffset: UInt64)] = []
        var expected: UInt64 = 0
        for segment in lv.segments {
            let what = "LVM logical volume \(lv.name) segment at extent \(segment.startExtent)"
            guard segment.type == "striped", segment.stripeCount == 1 else {
                throw ImageError(.unsupported, "\(what): type \"\(segment.type)\" with \(segment.stripeCount) stripes is not linear; koopack reads linear volumes only")
            }
            guard segment.physicalVolume == physicalVolumeName, let pvExtent = segment.physicalExtent else {
                throw ImageError(.unsupported, "\(what) lies on physical volume \(segment.physicalVolume ?? "?"), not this one (\(physicalVolumeName))")
            }
            guard segment.startExtent == expected else {
                throw ImageError(.outOfRange, "\(what): segments leave a gap or overlap at extent \(expected)")
            }
            let (length, o1) = segment.extentCount.multipliedReportingOverflow(by: extentSize)
            let (lvStart, o2) = segment.startExtent.multipliedReportingOverflow(by: extentSize)
            let (pvBytes, o3) = pvExtent.multipliedReportingOverflow(by: extentSize)
            let (pvOffset, o4) = dataStart.addingReportingOverflow(pvBytes)
            let (end, o5) = pvOffset.addingReportingOverflow(length)
            guard !(o1 || o2 || o3 || o4 || o5), end <= source.size else {
                throw ImageError(.outOfRange, "\(what): \(segment.extentCount) extents from PV extent \(pvExtent) lie outside the physical volume (\(source.size) bytes)")
            }
            pieces.append((lvStart, length, pvOffset))
            expected = segment.startExtent + segment.extentCount
        }
        guard let firstPiece = pieces.first, let lastPiece = pieces.last else {
            throw ImageError(.invalid, "LVM logical volume \(lv.name) has no segments")
        }
        if pieces.count == 1 {
            return SliceByteSource(source, offset: firstPiece.pvOffset, length: firstPiece.length)
        }
        let source = self.source
        let table = pieces
        return BlockMappedDisk(size: lastPiece.lvStart + lastPiece.length, backing: nil) { offset in
            var low = 0
            var high = table.count - 1
            while low < high {  // the last piece starting at or before offset
                let mid = (low + high + 1) / 2
                if table[mid].lvStart <= offset { low = mid } else { high = mid - 1 }
            }
            let piece = table[low]
            let into = offset - piece.lvStart
            return GuestExtent(.data(source, offset: piece.pvOffset + into), length: piece.length - into)
        }
    }
}
