import Crypto
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's size and SHA-256 as read (and, when copied, as written).
public struct HashedFile: Sendable, Equatable {
    /// Bytes read.
    public var size: UInt64
    /// SHA-256 as 64 lower-case hexadecimal digits.
    public var sha256: String

    public init(size: UInt64, sha256: String) {
        self.size = size
        self.sha256 = sha256
    }
}

/// Why a bundle could not be written or verified: one sentence naming the file and the cause.
public struct BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, naming the file.
    public var message: String
    /// Whether the run was stopped by a signal rather than failing.
    public var interrupted: Bool

    public init(_ message: String, interrupted: Bool = false) {
        self.message = message
        self.interrupted = interrupted
    }

    /// The error for a failed system call on `path`, with `errno`'s text.
    static func system(_ what: String, _ path: String, _ code: Int32 = errno) -> BundleError {
        BundleError("cannot \(what) \(path): \(String(cString: strerror(code)))")
    }

    public var description: String { message }
}

/// Bytes processed so far by every worker, read by a progress display on another thread.
public final class ByteCounter: Sendable {
    private let bytes = Atomic<UInt64>(0)

    public init() {}

    /// Adds `count` bytes.
    public func add(_ count: UInt64) { bytes.add(count, ordering: .relaxed) }

    /// The bytes counted so far.
    public var value: UInt64 { bytes.load(ordering: .relaxed) }
}

/// A flag set from a signal handler (or anywhere) that asks long copies to stop at the next chunk.
public final class StopFlag: Sendable {
    private let raised = Atomic<Int32>(0)

    public init() {}

    /// Asks workers to stop; `signal` says which signal asked (0 for none). The first request
    /// wins, so a worker stopping because of a signal does not hide which signal it was.
    public func raise(signal: Int32) {
        _ = raised.compareExchange(expected: 0, desired: signal == 0 ? -1 : signal, ordering: .relaxed)
    }

    /// The signal that asked to stop (-1 when stopped without one), 0 while not stopped.
    public var signal: Int32 { raised.load(ordering: .relaxed) }

    /// Whether a stop was asked for.
    public var isRaised: Bool { signal != 0 }
}

/// Reads files once, hashing them with SHA-256 (swift-crypto, hardware accelerated) while the
/// bytes are copied, so that a bundle costs one read of every file.
public enum FileHasher {
    /// Bytes per read: large enough that system calls and hashing calls cost nothing next to the
    /// copying itself, small enough that a few workers stay within a few MiB of memory each.
    public static let chunkBytes = 4 << 20

    /// The SHA-256 and size of the file at `path`, reading it in `chunkBytes` chunks.
    public static func hash(path: String, counter: ByteCounter? = nil, stop: StopFlag? = nil) throws(BundleError) -> HashedFile {
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw BundleError.system("open", path) }
        defer { close(input) }
        return try stream(from: input, path: path, counter: counter, stop: stop) { _, _, _ throws(BundleError) in }
    }

    /// Copies `source` to the new file `destination` (which must not exist) with mode `mode`,
    /// hashing the bytes as they pass. Chunks that are all zeros are not written but skipped
    /// over, so a sparse input stays sparse (its holes are hashed as zeros). The copy is
    /// flushed to disk (`fsync`) before returning.
    public static func copy(from source: String, to destination: String, mode: mode_t = 0o644,
                            counter: ByteCounter? = nil, stop: StopFlag? = nil) throws(BundleError) -> HashedFile {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw BundleError.system("open", source) }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard output >= 0 else { throw BundleError.system("create", destination) }
        var closed = false
        defer { if !closed { close(output) } }
        var position: off_t = 0
        let result = try stream(from: input, path: source, counter: counter, stop: stop) { chunk, count, isHole throws(BundleError) in
            if isHole || isAllZero(chunk, count) {
                position += off_t(count)
                return
            }
            var written = 0
            while written < count {
                let n = pwrite(output, chunk + written, count - written, position + off_t(written))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw BundleError.system("write", destination)
                }
                written += n
            }
            position += off_t(count)
        }
        // Holes at the end are not written: setting the length makes them part of the file.
        guard ftruncate(output, position) == 0 else { throw BundleError.system("set the length of", destination) }
        guard fsync(output) == 0 else { throw BundleError.system("flush", destination) }
        closed = true
        guard close(output) == 0 else { throw BundleError.system("close", destination) }
        return result
    }

    /// Hard-links `source` as `destination`, then hashes it; copies instead when the two are on
    /// different filesystems (or the filesystem has no hard links).
    public static func link(from source: String, to destination: String, mode: mode_t = 0o644,
                            counter: ByteCounter? = nil, stop: StopFlag? = nil) throws(BundleError) -> HashedFile {
        if systemLink(source, destination) == 0 {
            return try hash(path: destination, counter: counter, stop: stop)
        }
        let code = errno
        guard code == EXDEV || code == EPERM || code == EMLINK || code == ENOTSUP else {
            throw BundleError.system("link \(source) as", destination, code)
        }
        return try copy(from: source, to: destination, mode: mode, counter: counter, stop: stop)
    }

    /// Reads `input` to its end (its length when reading starts) in `chunkBytes` chunks, hashing
    /// each and handing it to `body` with whether it lies in a hole. Holes (found with
    /// `SEEK_HOLE`/`SEEK_DATA`) are not read: they are zeros by definition, so they are hashed
    /// from a zero buffer, which spares the kernel copying gigabytes of zero pages.
    static func stream(from input: Int32, path: String, counter: ByteCounter?, stop: StopFlag?,
                       _ body: (UnsafeMutablePointer<UInt8>, Int, Bool) throws(BundleError) -> Void) throws(BundleError) -> HashedFile {
        var info = stat()
        guard fstat(input, &info) == 0 else { throw BundleError.system("read the size of", path) }
        let size = off_t(max(0, info.st_size))
        _ = posix_fadvise(input, 0, 0, POSIX_FADV_SEQUENTIAL)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkBytes)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var position: off_t = 0
        var dataUntil: off_t = 0
        var holeUntil: off_t = 0
        while position < size {
            if let stop, stop.isRaised { throw BundleError("stopped while reading \(path)", interrupted: true) }
            if position >= dataUntil && position >= holeUntil {
                let hole = lseek(input, position, seekHole)
                if hole == position {
                    let data = lseek(input, position, seekData)
                    holeUntil = data < 0 ? size : min(data, size)
                    dataUntil = holeUntil
                } else {
                    dataUntil = hole < 0 ? size : min(hole, size)
                }
            }
            if position < holeUntil {
                let count = Int(min(off_t(chunkBytes), holeUntil - position))
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: zeroChunk, count: count))
                try body(zeroChunk, count, true)
                position += off_t(count)
                counter?.add(UInt64(count))
                continue
            }
            let wanted = Int(min(off_t(chunkBytes), max(1, dataUntil - position), size - position))
            var filled = 0
            while filled < wanted {
                let n = pread(input, buffer + filled, wanted - filled, position + off_t(filled))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw BundleError.system("read", path)
                }
                if n == 0 { break }
                filled += n
            }
            if filled == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: filled))
            try body(buffer, filled, false)
            position += off_t(filled)
            counter?.add(UInt64(filled))
            if filled < wanted { break }
        }
        return HashedFile(size: UInt64(position), sha256: hex(hasher.finalize()))
    }

    /// `lseek` whences from Linux's `<unistd.h>` (GNU extensions the C library module does not
    /// export): the next data at or after an offset, and the next hole. A file system without
    /// them treats the whole file as data, which is still correct.
    static let seekData: Int32 = 3
    static let seekHole: Int32 = 4

    /// `chunkBytes` of zeros, never written: what holes hash as.
    nonisolated(unsafe) static let zeroChunk: UnsafeMutablePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkBytes)
        pointer.initialize(repeating: 0, count: chunkBytes)
        return pointer
    }()

    /// Whether the first `count` bytes at `pointer` are all zero (memcmp against a zero page, so
    /// it runs at memory speed in any build).
    static func isAllZero(_ pointer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        let page = 4096
        return zeroPage.withUnsafeBufferPointer { zeros -> Bool in
            guard let zero = zeros.baseAddress else { return false }
            var offset = 0
            while offset < count {
                let length = min(page, count - offset)
                if memcmp(pointer + offset, zero, length) != 0 { return false }
                offset += length
            }
            return true
        }
    }

    private static let zeroPage = [UInt8](repeating: 0, count: 4096)

    /// A digest as lower-case hexadecimal text.
    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

#if canImport(Glibc)
private let systemLink = Glibc.link
#elseif canImport(Musl)
private let systemLink = Musl.link
#elseif canImport(Darwin)
private let systemLink = Darwin.link
#endif
