#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Random access to a sequence of bytes: an image file, an in-memory buffer, or the guest's
/// view of a virtual disk. Every parser in koopack reads through this and never sees a path.
public protocol ByteSource: Sendable {
    /// The number of bytes the source holds.
    var size: UInt64 { get }
    /// Reads up to `count` bytes starting at `offset`. Fewer bytes come back only when the
    /// range passes the end of the source; an offset at or past the end gives an empty array.
    func read(at offset: UInt64, count: Int) throws -> [UInt8]
}

extension ByteSource {
    /// Reads exactly `count` bytes at `offset`, or throws an `ImageError` naming the offset and
    /// the shortfall when the source ends first.
    public func readExactly(at offset: UInt64, count: Int, what: String) throws -> [UInt8] {
        let bytes = try read(at: offset, count: count)
        guard bytes.count == count else {
            throw ImageError(.truncated,
                offset: offset,
                "truncated: \(what) needs \(count) bytes at offset \(offset), the file has \(size) bytes")
        }
        return bytes
    }

    /// Reads `count` bytes at `offset` as a bounds-checked `ByteWindow`.
    public func window(at offset: UInt64, count: Int, what: String) throws -> ByteWindow {
        ByteWindow(try readExactly(at: offset, count: count, what: what), at: offset)
    }
}

/// A file opened read-only and read with `pread`, safe to share between tasks. Its first
/// `headLength` bytes are read once, when it is opened: every format's header and the probe's
/// magic numbers sit there, and a header read is otherwise a handful of small `pread`s of the
/// same page.
public final class FileByteSource: ByteSource, @unchecked Sendable {
    private let descriptor: Int32
    public let size: UInt64
    /// The bytes the file occupies on the host (`st_blocks` × 512), from the `fstat` at open.
    public let allocatedSize: UInt64
    /// The path the file was opened with, for messages only.
    public let path: String
    /// The file's first `min(size, headLength)` bytes.
    private let head: [UInt8]

    /// How much of a file's start is read when it is opened: the probe window.
    public static let headLength = 4096

    /// Opens `path` read-only. Throws an `ImageError` naming the OS error when it cannot.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError(.io, file: path, "cannot open: \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ImageError(.io, file: path, "cannot stat: \(message)")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ImageError(.io, file: path, "is a directory")
        }
        descriptor = fd
        size = info.st_size > 0 ? UInt64(info.st_size) : 0
        allocatedSize = UInt64(max(info.st_blocks, 0)) * 512
        do {
            head = try Self.readFile(fd, path: path, at: 0, count: Int(min(size, UInt64(Self.headLength))))
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        if offset + UInt64(wanted) <= UInt64(head.count) {
            return Array(head[Int(offset)..<(Int(offset) + wanted)])
        }
        return try Self.readFile(descriptor, path: path, at: offset, count: wanted)
    }

    /// Reads `wanted` bytes at `offset`, fewer only at the end of the file.
    private static func readFile(_ descriptor: Int32, path: String, at offset: UInt64, count wanted: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
            var done = 0
            while done < wanted {
                let n = pread(descriptor, buffer.baseAddress! + done, wanted - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    initialized = done
                    throw ImageError(.io, file: path, offset: offset + UInt64(done),
                                     "read failed: \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
    }
}

/// Bytes held in memory, for tests, fuzzing, and members streamed out of archives.
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public var size: UInt64 { UInt64(bytes.count) }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let start = Int(offset)
        let end = start + min(count, bytes.count - start)
        return Array(bytes[start..<end])
    }
}

/// Wraps a source and counts the bytes and calls read through it, so tests and benchmarks can
/// hold koopack to reading only what it needs.
public final class CountingByteSource: ByteSource, Sendable {
    public let base: any ByteSource
    private let counters = Mutex<(reads: Int, bytes: UInt64)>((0, 0))

    public init(_ base: any ByteSource) { self.base = base }

    public var size: UInt64 { base.size }
    /// The number of `read` calls so far.
    public var reads: Int { counters.withLock { $0.reads } }
    /// The number of bytes returned so far.
    public var bytesRead: UInt64 { counters.withLock { $0.bytes } }

    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        let bytes = try base.read(at: offset, count: count)
        counters.withLock { $0.reads += 1; $0.bytes += UInt64(bytes.count) }
        return bytes
    }
}

/// A window `[offset, offset + length)` of another source, e.g. a partition of a guest disk or a
/// flat extent that starts part-way into its file.
public struct SliceByteSource: ByteSource {
    public let base: any ByteSource
    public let offset: UInt64
    public let size: UInt64

    public init(_ base: any ByteSource, offset: UInt64, length: UInt64) {
        self.base = base
        self.offset = offset
        self.size = length
    }

    public func read(at position: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, position < size else { return [] }
        let wanted = Int(min(UInt64(count), size - position))
        let (start, overflow) = offset.addingReportingOverflow(position)
        guard !overflow else { return [] }
        return try base.read(at: start, count: wanted)
    }
}
