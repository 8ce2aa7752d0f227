/// VMware's virtual disk: a sparse extent file ("KDMV": monolithicSparse, streamOptimized) with
/// its descriptor embedded, or a text descriptor file naming flat, sparse and zero extents
/// (monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat, vmfs, vmfsSparse). Reported the way
/// `qemu-img info` reports it.
public enum VMDKFormat: ImageFormat {
    public static let name = "vmdk"

    /// "COWD", the magic of the older (VMware ESX 2) sparse extent koopack does not read.
    static let legacySparseMagic: [UInt8] = Array("COWD".utf8)

    /// 100 for a "KDMV" or "COWD" magic, or for descriptor text as QEMU's probe recognises it.
    public static func probe(_ input: ProbeInput) -> Int {
        if input.head.matches(VMDKSparseHeader.magic, at: 0) || input.head.matches(legacySparseMagic, at: 0) {
            return 100
        }
        return VMDKDescriptor.looksLikeDescriptor(input.head.bytes[...]) ? 100 : 0
    }

    /// Reads the sparse header or the descriptor and opens every extent's header, reporting what
    /// `qemu-img info` reports: create type, CIDs, extents, and the allocated size of all files.
    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let disk = try VMDKDisk.open(source, context: context)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: disk.virtualSize)
        info.subformat = disk.createType
        info.dirty = false
        info.warnings = disk.warnings
        info.clusterSize = disk.clusterSize
        if let hint = disk.parentFileNameHint {
            info.backingFilename = hint
            info.backingFormat = name
        } else if disk.parentCID != VMDKDescriptor.noParent {
            info.parentReference = "parentCID \(hex8(disk.parentCID)) with no parentFileNameHint"
        }
        info.actualSize = disk.allocatedSize(resolver: context.resolver, descriptorPath: context.filename)
        info.formatSpecific = .object([
            ("type", .string(name)),
            ("data", .object([
                ("cid", .uint(UInt64(disk.cid))),
                ("parent-cid", .uint(UInt64(disk.parentCID))),
                ("create-type", .string(disk.createType)),
                ("extents", .array(disk.extents.map(\.json))),
            ])),
        ])
        return info
    }

    /// The guest disk across all extents. A linked clone whose parentCID no longer matches its
    /// parent's CID is refused, as QEMU refuses to read through such a parent.
    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        let disk = try VMDKDisk.open(source, context: context)
        if backing != nil, let parent = info.backingChain.first,
           case let .uint(parentCID)? = parent.formatSpecific?["data"]?["cid"],
           parentCID != UInt64(disk.parentCID) {
            throw ImageError(.invalid, "parentCID \(hex8(disk.parentCID)) does not match the CID \(hex8(UInt32(truncatingIfNeeded: parentCID))) of the parent \(parent.filename): the parent changed after this disk was made from it")
        }
        return disk.guest(backing: backing)
    }

    /// Eight lower-case hex digits, as descriptors write CIDs.
    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// One extent of a VMDK disk, opened: where its guest bytes are, and how `qemu-img` describes it.
struct VMDKExtent: Sendable {
    /// Where the extent's bytes live.
    enum Storage: Sendable {
        /// A flat file (FLAT or VMFS), the extent starting at `start` bytes into it.
        case flat(any ByteSource, start: UInt64)
        /// A ZERO extent: no file, all zeros.
        case zero
        /// A hosted sparse extent.
        case sparse(VMDKSparseExtent)
    }

    var storage: Storage
    var sectors: UInt64
    /// The guest offset of the extent's first byte.
    var start: UInt64
    /// The extent file's path as QEMU prints it (nil for ZERO).
    var path: String?
    /// The type as the descriptor writes it; empty for the extent of a monolithic sparse file,
    /// which QEMU prints as "".
    var typeName: String

    var byteCount: UInt64 { sectors << 9 }

    var clusterSize: UInt64? {
        if case let .sparse(sparse) = storage { return sparse.grainBytes }
        return nil
    }

    var compressed: Bool {
        if case let .sparse(sparse) = storage { return sparse.header.compressed }
        return false
    }

    var isFlat: Bool { clusterSize == nil }

    /// The extent as QEMU's `format-specific.data.extents[]` prints it.
    var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if compressed { members.append(("compressed", .bool(true))) }
        members.append(("virtual-size", .uint(byteCount)))
        if let path { members.append(("filename", .string(path))) }
        if let clusterSize { members.append(("cluster-size", .uint(clusterSize))) }
        members.append(("format", .string(typeName)))
        return .object(members)
    }
}

/// A VMDK disk opened: identity, create type and extents in guest order.
struct VMDKDisk: Sendable {
    /// The most sectors a whole disk may hold (64 TiB), as for one extent.
    static let maxDiskSectors = VMDKSparseExtent.maxCapacitySectors

    var createType: String
    var cid: UInt32
    var parentCID: UInt32
    var parentFileNameHint: String?
    var extents: [VMDKExtent] = []
    var virtualSize: UInt64 = 0
    var warnings: [String] = []

    /// QEMU's cluster size: the grain, when every extent is sparse with the same grain and
    /// compression; none when any differs or the first is flat.
    var clusterSize: UInt64? {
        guard let first = extents.first, let grain = first.clusterSize else { return nil }
        let uniform = extents.allSatisfy { $0.isFlat == first.isFlat && $0.compressed == first.compressed && $0.clusterSize == grain }
        return uniform ? grain : nil
    }

    /// Opens the disk whose main file (sparse extent or descriptor) is `source`.
    static func open(_ source: any ByteSource, context: InspectContext) throws -> VMDKDisk {
        let head = try source.read(at: 0, count: VMDKSparseHeader.length)
        let window = ByteWindow(head, at: 0)
        if window.matches(VMDKFormat.legacySparseMagic, at: 0) {
            throw ImageError(.unsupported, offset: 0, "a COWD (ESX 2 VMFS sparse) extent: koopack does not read this older sparse format")
        }
        guard window.matches(VMDKSparseHeader.magic, at: 0) else {
            let length = Int(min(source.size, UInt64(VMDKDescriptor.maxLength)))
            let text = try source.readExactly(at: 0, count: length, what: "descriptor")
            var disk = try openDescriptor(try VMDKDescriptor.parse(text[...], base: 0), context: context)
            if source.size > UInt64(VMDKDescriptor.maxLength) {
                disk.warnings.append("the descriptor file is \(source.size) bytes; only its first \(VMDKDescriptor.maxLength) were read")
            }
            return disk
        }
        let header = try VMDKSparseHeader.parse(try source.window(at: 0, count: VMDKSparseHeader.length, what: "sparse extent header"))
        let descriptor = try embeddedDescriptor(source, header: header)
        if header.capacity == 0 && header.descriptorOffset != 0 {
            // A sparse file holding only a descriptor, whose extents are other files.
            return try openDescriptor(descriptor, context: context)
        }
        let sparse = try VMDKSparseExtent.open(source, path: context.filename)
        var disk = VMDKDisk(createType: sparse.header.compressed ? "streamOptimized" : "monolithicSparse",
                            cid: try required(descriptor.cid, "CID"), parentCID: try required(descriptor.parentCID, "parentCID"),
                            parentFileNameHint: descriptor.parentFileNameHint)
        try disk.append(VMDKExtent(storage: .sparse(sparse), sectors: sparse.sectors, start: 0,
                                   path: context.filename, typeName: ""), lineOffset: 0)
        disk.noteSparseWarnings(sparse, name: context.filename)
        return disk
    }

    /// The descriptor embedded in a sparse extent, at `descriptorOffset` for `descriptorSize` sectors.
    private static func embeddedDescriptor(_ source: any ByteSource, header: VMDKSparseHeader) throws -> VMDKDescriptor {
        guard header.descriptorOffset != 0, header.descriptorSize != 0 else {
            throw ImageError.invalid(.unsupported, "descriptorOffset", at: 28,
                                     "this sparse extent has no embedded descriptor: it is one extent of a split disk; inspect the descriptor file that names it")
        }
        let (offset, overflow) = header.descriptorOffset.multipliedReportingOverflow(by: 512)
        guard !overflow, offset < source.size else {
            throw ImageError.invalid(.truncated, "descriptorOffset", at: 28,
                                     "sector \(header.descriptorOffset) lies past the end of the file (size \(source.size))")
        }
        let length = min(header.descriptorSize, UInt64(VMDKDescriptor.maxLength) / 512 + 1) * 512
        let bytes = try source.read(at: offset, count: Int(min(length, UInt64(VMDKDescriptor.maxLength))))
        return try VMDKDescriptor.parse(bytes[...], base: offset)
    }

    private static func required(_ value: UInt32?, _ field: String) throws -> UInt32 {
        guard let value else { throw ImageError(.invalid, "the descriptor has no \(field) line") }
        return value
    }

    /// Opens the extents a descriptor names, relative to the descriptor's own file.
    private static func openDescriptor(_ descriptor: VMDKDescriptor, context: InspectContext) throws -> VMDKDisk {
        guard let createType = descriptor.createType else {
            throw ImageError(.invalid, "invalid VMDK descriptor: it has no createType line")
        }
        var disk = VMDKDisk(createType: createType, cid: try required(descriptor.cid, "CID"),
                            parentCID: try required(descriptor.parentCID, "parentCID"),
                            parentFileNameHint: descriptor.parentFileNameHint)
        guard !descriptor.extents.isEmpty else {
            throw ImageError(.invalid, "the descriptor names no extents")
        }
        let ownPath = context.resolver?.canonicalPath(context.filename) ?? context.filename
        for line in descriptor.extents {
            let extent = try openExtent(line, context: context, ownPath: ownPath, start: disk.virtualSize, disk: &disk)
            try disk.append(extent, lineOffset: line.lineOffset)
        }
        return disk
    }

    /// Opens one extent line's file.
    private static func openExtent(_ line: VMDKExtentDescription, context: InspectContext, ownPath: String,
                                   start: UInt64, disk: inout VMDKDisk) throws -> VMDKExtent {
        let prefix = "descriptor line \(line.line)"
        guard line.sectors <= maxDiskSectors else {
            throw ImageError(.limit, offset: line.lineOffset, "\(prefix): an extent of \(line.sectors) sectors is more than the \(maxDiskSectors)-sector limit")
        }
        if line.type == "ZERO" {
            return VMDKExtent(storage: .zero, sectors: line.sectors, start: start, path: nil, typeName: line.type)
        }
        guard ["FLAT", "VMFS", "SPARSE", "VMFSSPARSE"].contains(line.type) else {
            let reason = ["VMFSRDM", "VMFSRAW"].contains(line.type) ? "it maps a raw device, which koopack cannot read"
                : line.type == "SESPARSE" ? "koopack does not read ESXi seSparse extents" : "unknown extent type"
            throw ImageError(.unsupported, offset: line.lineOffset, "\(prefix): extent type \(line.type): \(reason)")
        }
        guard let name = line.fileName else {
            throw ImageError(.invalid, offset: line.lineOffset, "\(prefix): a \(line.type) extent needs a file name")
        }
        let path = FilePaths.combine(base: context.filename, name)
        let canonical = context.resolver?.canonicalPath(path) ?? path
        guard canonical != ownPath else {
            throw ImageError(.loop, offset: line.lineOffset, "\(prefix): the descriptor names itself (\"\(name)\") as its extent")
        }
        let file: any ByteSource
        do {
            file = try context.openRelated(name).source
        } catch let error as ImageError {
            throw ImageError(error.kind, offset: line.lineOffset, "\(prefix): extent file \"\(name)\" cannot be opened: \(error.message)")
        }
        if line.type == "FLAT" || line.type == "VMFS" {
            let (startByte, overflow) = line.startSector.multipliedReportingOverflow(by: 512)
            let (end, endOverflow) = startByte.addingReportingOverflow(line.sectors << 9)
            guard !overflow, !endOverflow else {
                throw ImageError(.outOfRange, offset: line.lineOffset, "\(prefix): the start sector \(line.startSector) overflows")
            }
            if end > file.size {
                disk.warnings.append("flat extent \(path) has \(file.size) bytes, fewer than the \(end) its descriptor line \(line.line) needs; the rest reads as zeros")
            }
            return VMDKExtent(storage: .flat(file, start: startByte), sectors: line.sectors, start: start,
                              path: path, typeName: line.type)
        }
        let sparse: VMDKSparseExtent
        do {
            let head = try file.read(at: 0, count: VMDKSparseHeader.length)
            if ByteWindow(head).matches(VMDKFormat.legacySparseMagic, at: 0) {
                throw ImageError(.unsupported, offset: 0, "a COWD (ESX 2 VMFS sparse) extent: koopack does not read this older sparse format")
            }
            sparse = try VMDKSparseExtent.open(file, path: path)
            if sparse.header.capacity == 0 && sparse.header.descriptorOffset != 0 {
                throw ImageError(.unsupported, offset: 12, "the extent holds a descriptor of its own; nested descriptors are not followed")
            }
        } catch let error as ImageError {
            throw error.attributed(to: path)
        }
        if sparse.sectors != line.sectors {
            disk.warnings.append("sparse extent \(path) holds \(sparse.sectors) sectors, its descriptor line \(line.line) says \(line.sectors); the extent's own count is used")
        }
        disk.noteSparseWarnings(sparse, name: path)
        return VMDKExtent(storage: .sparse(sparse), sectors: sparse.sectors, start: start, path: path, typeName: line.type)
    }

    /// Adds an extent after the others, keeping the disk's size within bounds.
    private mutating func append(_ extent: VMDKExtent, lineOffset: UInt64) throws {
        let (total, overflow) = (virtualSize >> 9).addingReportingOverflow(extent.sectors)
        guard !overflow, total <= Self.maxDiskSectors else {
            throw ImageError(.limit, offset: lineOffset, "the extents add up to more than the \(Self.maxDiskSectors)-sector limit")
        }
        extents.append(extent)
        virtualSize = total << 9
    }

    private mutating func noteSparseWarnings(_ sparse: VMDKSparseExtent, name: String) {
        if sparse.header.uncleanShutdown {
            warnings.append("sparse extent \(name) was not closed cleanly (uncleanShutdown is set)")
        }
        if sparse.header.newlineCheckDamaged {
            warnings.append("sparse extent \(name) has damaged newline-check characters: it was probably copied in text mode")
        }
    }

    /// QEMU's actual size: the allocated bytes of the main file and of every extent file other
    /// than it. Nil when any of them is unknown.
    func allocatedSize(resolver: (any FileResolver)?, descriptorPath: String) -> UInt64? {
        guard let resolver, var total = resolver.allocatedSize(of: descriptorPath) else { return nil }
        for extent in extents {
            guard let path = extent.path, path != descriptorPath else { continue }
            guard let size = resolver.allocatedSize(of: path) else { return nil }
            total = total.addingReportingOverflow(size).partialValue
        }
        return total
    }
}
