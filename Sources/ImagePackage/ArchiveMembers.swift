import CArchive
import DiskImage

/// One regular file inside an archive, as koopack keeps it from the stream: its start (enough
/// for any format's header) and its end (a fixed VHD's footer, a streamOptimized VMDK's footer),
/// never the whole file, and never written to disk.
public struct ArchiveMember: Sendable {
    /// The member's path as the archive names it, unchanged (it may be hostile: `../../x`).
    public let path: String
    /// The member's size in bytes.
    public let size: UInt64
    /// The first bytes of the member (all of it when small).
    public let head: [UInt8]
    /// The last bytes of the member, when it is larger than `head`.
    public let tail: [UInt8]

    /// Whether every byte of the member was kept.
    public var isWhole: Bool { UInt64(head.count) == size }

    /// The member's bytes as a source. Reads outside what was kept throw an `ImageError` saying so.
    public var source: any ByteSource { ArchiveMemberSource(member: self) }

    /// Whether the path would leave the folder it is extracted into (absolute, or `..` steps that
    /// climb above it). koopack never extracts, but says so: such an archive is hostile or broken.
    public var escapesItsFolder: Bool {
        if path.hasPrefix("/") { return true }
        var depth = 0
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { return true }
        }
        return false
    }
}

/// Reads the members of an archive (tar, tar.gz, tar.zst, tar.xz, zip, OVA) through libarchive,
/// streaming each member past once and keeping only its head and tail.
public enum ArchiveReader {
    /// How much of each member's start is kept: every format's header and first tables fit
    /// (VHDX keeps its metadata region in the first few MiB).
    public static let headBytes = 4 << 20
    /// How much of each member's end is kept: a VHD footer is 512 bytes, a streamOptimized VMDK
    /// footer and end-of-stream marker 1.5 KiB.
    public static let tailBytes = 64 << 10
    /// Most members koopack lists in one archive; more is an error, not an endless walk.
    public static let maxMembers = 100_000
    /// Largest metadata (JSON) member read whole.
    public static let maxMetadataBytes = 16 << 20

    /// Whether `head` (the first bytes of a file) looks like an archive libarchive reads:
    /// gzip, zstd, xz, bzip2, zip, or a POSIX tar header.
    public static func looksLikeArchive(_ head: [UInt8], filename: String) -> Bool {
        let window = ByteWindow(head)
        if window.matches([0x1f, 0x8b], at: 0) { return true }                     // gzip
        if window.matches([0x28, 0xb5, 0x2f, 0xfd], at: 0) { return true }         // zstd
        if window.matches([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], at: 0) { return true } // xz
        if window.matches(Array("BZh".utf8), at: 0) { return true }                  // bzip2
        if window.matches([0x50, 0x4b, 0x03, 0x04], at: 0) { return true }         // zip
        if window.matches(Array("ustar".utf8), at: 257) { return true }             // tar
        return false
    }

    /// Streams through the archive at `path` and returns its regular-file members in archive
    /// order. `wantWhole(path, size)` says which members to keep whole (metadata files); others
    /// keep `headBytes` and `tailBytes`. Throws an `ImageError` naming the archive on damage.
    public static func members(ofArchiveAt path: String,
                               wantWhole: (String, UInt64) -> Bool) throws -> [ArchiveMember] {
        let la: LibArchive
        do { la = try LibArchive.load() } catch let error as ImageError { throw error.attributed(to: path) }
        guard let archive = la.readNew() else { throw ImageError(.io, file: path, "libarchive could not start") }
        defer { _ = la.readFree(archive) }
        _ = la.supportFilterAll(archive)
        _ = la.supportFormatAll(archive)
        guard la.openFilename(archive, path, 1 << 20) == ARCHIVE_OK else {
            throw ImageError(.invalid, file: path, "not a readable archive: \(errorText(archive, la))")
        }
        return try readMembers(of: archive, using: la, named: path, wantWhole: wantWhole)
    }

    /// The member loop shared by every way of opening an archive: walks `archive` (already open)
    /// to its end, keeping each regular file's head and tail. `path` names the archive in errors.
    static func readMembers(of archive: OpaquePointer, using la: LibArchive, named path: String,
                            wantWhole: (String, UInt64) -> Bool) throws -> [ArchiveMember] {
        var members: [ArchiveMember] = []
        var entry: OpaquePointer?
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let status = la.nextHeader(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw ImageError(.invalid, file: path, "archive is damaged after \(members.count) members: \(errorText(archive, la))")
            }
            guard members.count < maxMembers else {
                throw ImageError(.limit, file: path, "archive has more than \(maxMembers) members")
            }
            let name = la.entryPathname(entry).map { String(cString: $0) } ?? ""
            guard la.entryFiletype(entry) == 0o100000 /* AE_IFREG */ else { continue }
            let declared = la.entrySizeIsSet(entry) != 0 ? UInt64(max(0, la.entrySize(entry))) : 0
            let keepWhole = wantWhole(name, declared)
            let headLimit = keepWhole ? maxMetadataBytes : headBytes
            var head: [UInt8] = []
            var tail = TailBuffer(capacity: keepWhole ? 0 : tailBytes)
            var total: UInt64 = 0
            while true {
                let n = chunk.withUnsafeMutableBytes { la.readData(archive, $0.baseAddress, $0.count) }
                if n == 0 { break }
                guard n > 0 else {
                    throw ImageError(.invalid, file: path, offset: total, "member \(name) is damaged at byte \(total): \(errorText(archive, la))")
                }
                let piece = chunk[0..<n]
                if head.count < headLimit {
                    head.append(contentsOf: piece.prefix(headLimit - head.count))
                }
                tail.append(piece)
                total += UInt64(n)
                if keepWhole && total > UInt64(maxMetadataBytes) {
                    throw ImageError(.limit, file: path, "member \(name) is larger than \(maxMetadataBytes) bytes, too large for metadata")
                }
            }
            let kept = UInt64(head.count) == total ? [] : tail.bytes(droppingOverlapWith: UInt64(head.count), total: total)
            members.append(ArchiveMember(path: name, size: total, head: head, tail: kept))
        }
        return members
    }

    static func errorText(_ archive: OpaquePointer, _ la: LibArchive) -> String {
        la.errorString(archive).map { String(cString: $0) } ?? "unknown error"
    }
}

/// The last `capacity` bytes seen of a stream.
private struct TailBuffer {
    let capacity: Int
    private var storage: [UInt8] = []

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ piece: ArraySlice<UInt8>) {
        guard capacity > 0 else { return }
        storage.append(contentsOf: piece.suffix(capacity))
        if storage.count > capacity * 2 { storage.removeFirst(storage.count - capacity) }
    }

    /// The kept tail, without the bytes that the head already holds.
    func bytes(droppingOverlapWith headCount: UInt64, total: UInt64) -> [UInt8] {
        let keep = Int(min(UInt64(min(storage.count, capacity)), total - min(total, headCount)))
        return Array(storage.suffix(keep))
    }
}

/// A kept archive member as a byte source: its head and tail, and an error in between.
struct ArchiveMemberSource: ByteSource {
    let member: ArchiveMember
    var size: UInt64 { member.size }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        let headCount = UInt64(member.head.count)
        let tailStart = size - UInt64(member.tail.count)
        let end = offset + UInt64(wanted)
        if end <= headCount {
            let start = Int(offset)
            return Array(member.head[start..<(start + wanted)])
        }
        if offset >= tailStart {
            let start = Int(offset - tailStart)
            return Array(member.tail[start..<(start + wanted)])
        }
        // A read across the seam of head and tail is whole when nothing was dropped between them.
        if tailStart <= headCount && offset < headCount {
            let fromTail = Int(end - headCount)
            let skipInTail = Int(headCount - tailStart)
            return Array(member.head[Int(offset)...]) + member.tail[skipInTail..<(skipInTail + fromTail)]
        }
        throw ImageError(.limit, offset: offset,
                         "bytes at offset \(offset) of archive member \(member.path) were streamed past and not kept (koopack keeps the first \(headCount) and last \(member.tail.count) bytes); extract the image to read it all")
    }
}
