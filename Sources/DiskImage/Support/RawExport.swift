#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Writes a guest disk as a raw file: every byte the guest reads, in order, with holes where it
/// reads zeros. A file is written under a temporary name beside the target and renamed into
/// place only when complete, so the target is never half-written; standard output gets every
/// byte in order. Chunks are read by several workers at once (decompression is the cost),
/// except for disks that read best in order.
public enum RawExport {
    /// Bytes per unit of work: a few MiB keeps system calls and block-map lookups cheap and
    /// memory per worker small.
    public static let chunkSize = 4 << 20
    /// Bytes read at once where the block map does not say zeros: small enough that the zero
    /// run after an allocated cluster is skipped rather than read, large enough to keep reads few.
    static let dataPiece = 64 << 10
    /// Zeros are left as holes in runs of this many aligned bytes (qemu-img's default `-S 4k`).
    public static let sparseUnit = 4096

    /// Progress and stopping, both called from worker threads.
    public struct Control: Sendable {
        /// Called with the bytes of the guest each finished chunk covered.
        public var progress: @Sendable (UInt64) -> Void
        /// Polled between chunks; true stops the export with an error and no target written.
        public var shouldStop: @Sendable () -> Bool

        public init(progress: @escaping @Sendable (UInt64) -> Void = { _ in },
                    shouldStop: @escaping @Sendable () -> Bool = { false }) {
            self.progress = progress
            self.shouldStop = shouldStop
        }
    }

    /// Writes `disk` to `path`: a temporary file in the same folder, sized to the disk, filled
    /// chunk by chunk (zeros left as holes), then renamed over `path`. On any error or stop the
    /// temporary file is removed and `path` is untouched.
    public static func write(_ disk: any ByteSource, to path: String, workers: Int, control: Control = Control()) throws {
        let temporary = temporaryName(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw systemError("cannot create a temporary file for", path) }
        var finished = false
        defer {
            if !finished { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            guard ftruncate(fd, off_t(disk.size)) == 0 else { throw systemError("cannot size", path) }
            try forEachChunk(of: disk, workers: workers, control: control) { start, bytes in
                try writeNonZero(bytes, at: start, to: fd, path: path)
            }
        }
        guard rename(temporary, path) == 0 else { throw systemError("cannot rename the finished temporary file to", path) }
        finished = true
    }

    /// Writes every byte of `disk`, in order, to the open descriptor `fd` (standard output).
    public static func stream(_ disk: any ByteSource, to fd: Int32, name: String, workers: Int, control: Control = Control()) throws {
        let width = disk.readsInOrderHint ? 1 : max(1, workers)
        let count = chunkCount(disk.size)
        var next = 0
        while next < count {
            let batch = Array(next..<min(count, next + 2 * width))
            let chunks = Mutex<[Int: [UInt8]]>([:])
            try run(batch, width: width, control: control) { index in
                let (start, length) = range(of: index, in: disk.size)
                let zeros = try zeroRun(disk, at: start, limit: length)
                let bytes = zeros == length ? [UInt8](repeating: 0, count: Int(length)) : try read(disk, start, length)
                chunks.withLock { $0[index] = bytes }
            }
            for index in batch {
                let bytes = chunks.withLock { $0[index] } ?? []
                try writeAll(bytes, to: fd, at: nil, path: name)
                control.progress(UInt64(bytes.count))
            }
            next += batch.count
        }
    }

    // MARK: - The copy loop

    /// Runs `body` on every chunk that holds data (chunks the block map says are zero are only
    /// counted), on `workers` threads unless the disk reads best in order.
    private static func forEachChunk(of disk: any ByteSource, workers: Int, control: Control,
                                     body: @escaping @Sendable (UInt64, [UInt8]) throws -> Void) throws {
        let width = disk.readsInOrderHint ? 1 : max(1, workers)
        try run(try chunksWithData(disk, width: width, control: control), width: width, control: control) { index in
            let (start, length) = range(of: index, in: disk.size)
            let end = start + length
            var position = start
            // Zero runs the block map knows are skipped; what may hold data is read a piece at
            // a time, so a chunk with one allocated cluster reads that piece, not 4 MiB.
            while position < end {
                position += try zeroRun(disk, at: position, limit: end - position) / UInt64(sparseUnit) * UInt64(sparseUnit)
                guard position < end else { break }
                let piece = min(UInt64(dataPiece), end - position)
                try body(position, try read(disk, position, piece))
                position += piece
            }
            control.progress(length)
        }
    }

    /// The chunks that may hold data. With several workers the block map is asked first, on
    /// this thread, and chunks it says are all zeros are only counted: on a mostly empty disk
    /// the workers then share a few chunks instead of contending for the map's caches over
    /// thousands of empty ones (which costs more than it saves on a busy machine).
    private static func chunksWithData(_ disk: any ByteSource, width: Int, control: Control) throws -> [Int] {
        let all = Array(0..<chunkCount(disk.size))
        guard width > 1, disk is any ZeroRunSource else { return all }
        var kept = [Int]()
        for index in all {
            let (start, length) = range(of: index, in: disk.size)
            if try zeroRun(disk, at: start, limit: length) == length {
                control.progress(length)
            } else {
                kept.append(index)
            }
        }
        return kept
    }

    /// Calls `work` for each of `indices` on `width` threads (in order on one), stopping at the
    /// first error or when `control` asks; rethrows that error.
    private static func run(_ indices: [Int], width: Int, control: Control,
                            work: @escaping @Sendable (Int) throws -> Void) throws {
        let failure = Mutex<(any Error)?>(nil)
        let cursor = Atomic<Int>(0)
        let body: @Sendable (Int) -> Void = { _ in
            while true {
                let position = cursor.add(1, ordering: .relaxed).oldValue
                guard position < indices.count, failure.withLock({ $0 == nil }) else { return }
                if control.shouldStop() {
                    failure.withLock { if $0 == nil { $0 = ImageError(.invalid, "interrupted") } }
                    return
                }
                do { try work(indices[position]) } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                    return
                }
            }
        }
        if width == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: width, execute: body) }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private static func chunkCount(_ size: UInt64) -> Int {
        Int((size + UInt64(chunkSize) - 1) / UInt64(chunkSize))
    }

    private static func range(of index: Int, in size: UInt64) -> (start: UInt64, length: UInt64) {
        let start = UInt64(index) * UInt64(chunkSize)
        return (start, min(UInt64(chunkSize), size - start))
    }

    private static func zeroRun(_ disk: any ByteSource, at offset: UInt64, limit: UInt64) throws -> UInt64 {
        guard let sparse = disk as? any ZeroRunSource else { return 0 }
        return min(try sparse.zeroRun(at: offset, limit: limit), limit)
    }

    /// Exactly `length` guest bytes at `start`.
    private static func read(_ disk: any ByteSource, _ start: UInt64, _ length: UInt64) throws -> [UInt8] {
        let bytes = try disk.read(at: start, count: Int(length))
        guard bytes.count == Int(length) else {
            throw ImageError(.outOfRange, offset: start, "the guest disk gave \(bytes.count) of \(length) bytes at offset \(start)")
        }
        return bytes
    }

    // MARK: - Writing

    /// Writes the runs of `bytes` that are not all zeros (in `sparseUnit` steps) at `start`.
    private static func writeNonZero(_ bytes: [UInt8], at start: UInt64, to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            let count = buffer.count
            var position = 0
            while position < count {
                while position < count, isZero(buffer, position, min(sparseUnit, count - position)) { position += sparseUnit }
                guard position < count else { break }
                var end = position
                while end < count, !isZero(buffer, end, min(sparseUnit, count - end)) { end += sparseUnit }
                end = min(end, count)
                try writeAll(UnsafeRawBufferPointer(rebasing: buffer[position..<end]), to: fd, at: start + UInt64(position), path: path)
                position = end
            }
        }
    }

    /// Whether `length` bytes at `offset` of `buffer` are all zero, eight at a time.
    private static func isZero(_ buffer: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> Bool {
        var index = offset
        let end = offset + length
        while index + 8 <= end {
            if buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self) != 0 { return false }
            index += 8
        }
        while index < end {
            if buffer[index] != 0 { return false }
            index += 1
        }
        return true
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, at offset: UInt64?, path: String) throws {
        try bytes.withUnsafeBytes { try writeAll($0, to: fd, at: offset, path: path) }
    }

    /// Writes all of `buffer` at `offset` (`pwrite`), or at the descriptor's position when nil.
    private static func writeAll(_ buffer: UnsafeRawBufferPointer, to fd: Int32, at offset: UInt64?, path: String) throws {
        var done = 0
        while done < buffer.count {
            let pointer = buffer.baseAddress! + done
            let n = offset.map { pwrite(fd, pointer, buffer.count - done, off_t($0) + off_t(done)) }
                ?? sequentialWrite(fd, pointer, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw systemError("cannot write", path)
            }
            done += n
        }
    }

    /// `.NAME.koopack-PID-RANDOM` in `path`'s folder: hidden, unique, on the same file system
    /// so the final rename is atomic.
    static func temporaryName(for path: String) -> String {
        let name = FilePaths.lastComponent(path)
        return FilePaths.combine(base: path, ".\(name).koopack-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    private static func systemError(_ what: String, _ path: String) -> ImageError {
        ImageError(.io, file: path, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}

/// `write(2)`, named apart from `RawExport.write`.
private func sequentialWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}

extension ByteSource {
    /// Whether the disk asks to be read front to back by one reader.
    var readsInOrderHint: Bool { (self as? any ZeroRunSource)?.readsInOrder ?? false }
}
