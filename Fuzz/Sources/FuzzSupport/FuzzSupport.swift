import CFuzzer
import DiskImage
import GuestFilesystem
import Glibc

/// A resolver with no files: a fuzzed image that names a backing file, an extent or a data
/// file gets the same clean "cannot be opened" error an archive member does.
public typealias NoFiles = NoRelatedFiles

/// The fuzzer's input as bytes.
public func fuzzBytes(_ start: UnsafeRawPointer, _ count: Int) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: start, count: count))
}

/// The input's last eight bytes as a little-endian number (0 when shorter): a fuzzer-chosen
/// seed for offsets, so the same bytes that shape the header also pick where to read.
public func trailingSeed(_ bytes: [UInt8]) -> UInt64 {
    guard bytes.count >= 8 else { return 0 }
    var value: UInt64 = 0
    for byte in bytes.suffix(8).reversed() { value = value << 8 | UInt64(byte) }
    return value
}

/// Reads the header of `bytes` with format `name`'s own `inspect`, as if from a file named
/// `filename` with no other files around it. Errors are the expected outcome for most inputs.
public func fuzzFormatHeader(_ name: String, filename: String, _ start: UnsafeRawPointer, _ count: Int) {
    guard let format = ImageFormats.named(name) else { fatalError("no format named \(name)") }
    let source = MemoryByteSource(fuzzBytes(start, count))
    let context = InspectContext(filename: filename, resolver: NoFiles())
    if let info = try? format.inspect(source, context: context) {
        _ = info.json
    }
}

/// Largest read the guest-side targets make at once.
public let fuzzReadCap = 1 << 20

/// Opens `bytes` as a guest filesystem with `open`, then walks it the way the guest scan does:
/// lists `/`, reads `/etc/os-release` and `/etc/shadow`, and descends a few directories with a
/// small budget, reading each file's start and each symlink's target.
public func fuzzWalk(_ start: UnsafeRawPointer, _ count: Int,
                     open: (any ByteSource) throws -> any GuestFileSystem) {
    let source = MemoryByteSource(fuzzBytes(start, count))
    guard let fs = try? open(source) else { return }
    walk(fs)
}

/// The walk of `fuzzWalk` over an already open filesystem.
public func walk(_ fs: any GuestFileSystem) {
    _ = try? GuestPaths.list("/", in: fs)
    _ = try? GuestPaths.readFile("/etc/os-release", in: fs, limit: 64 << 10)
    _ = try? GuestPaths.readFile("/etc/shadow", in: fs, limit: 64 << 10)
    _ = try? GuestPaths.stat("/etc/passwd", in: fs)
    var budget = 48
    var pending: [(inode: UInt64, depth: Int)] = [(fs.rootInode, 0)]
    while let (directory, depth) = pending.popLast(), budget > 0 {
        budget -= 1
        guard let entries = try? fs.directoryEntries(directory) else { continue }
        for entry in entries.prefix(16) where budget > 0 {
            budget -= 1
            guard let node = try? fs.inode(entry.inode) else { continue }
            switch node.type {
            case .directory where depth < 4: pending.append((entry.inode, depth + 1))
            case .regular:
                _ = try? fs.read(entry.inode, at: 0, count: 4096)
                _ = try? fs.read(entry.inode, at: node.size &- 100, count: 200)
            case .symlink: _ = try? fs.symlinkTarget(entry.inode)
            default: break
            }
        }
    }
}

/// The target's one-input function, set once by `runFuzzer` before libFuzzer starts.
nonisolated(unsafe) private var currentTarget: ((UnsafeRawPointer, Int) -> CInt)?

/// Runs libFuzzer's driver with the command line's flags over `test`, and exits with its status.
/// (The driver rather than libFuzzer's own `main`, because SwiftPM gives every executable
/// target its own entry point.)
public func runFuzzer(_ test: @escaping (UnsafeRawPointer, Int) -> CInt) -> Never {
    currentTarget = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        guard let target = currentTarget else { return 0 }
        if let data { return target(UnsafeRawPointer(data), size) }
        return withUnsafeBytes(of: UInt8(0)) { target($0.baseAddress!, 0) }
    }
    exit(status)
}
