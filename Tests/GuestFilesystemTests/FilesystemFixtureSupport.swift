import Foundation
import Testing
import DiskImage

/// Helpers for filesystem tests that build real images with mkfs.xfs, mkfs.vfat, mtools and LVM's
/// tools at test time.
enum FilesystemFixture {
    /// The path of `name` on the PATH (sbin included), or nil.
    static func tool(_ name: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `name` with `arguments`, throwing with its standard error when it fails.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        guard let executable = tool(name) else { throw FixtureFailure("\(name) is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureFailure("\(name) \(arguments.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// A deterministic, recognisable byte pattern (no long zero runs) seeded by `seed`.
    static func pattern(_ count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state | 1)
        }
    }
}

/// A failure with a message, thrown from fixture helpers.
struct FixtureFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the temporary folder, removed when released.
final class FixtureDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "koopack-fs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Creates a sparse file of `size` bytes.
    @discardableResult
    func sparse(_ name: String, size: UInt64) throws -> String {
        let target = file(name)
        _ = FileManager.default.createFile(atPath: target, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        try handle.truncate(atOffset: size)
        try handle.close()
        return target
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A source that reads like `base` except where a patch overrides bytes, for hostile tests that
/// damage one field of a real filesystem without copying it.
struct PatchedByteSource: ByteSource {
    let base: any ByteSource
    var patches: [(offset: UInt64, bytes: [UInt8])]
    var size: UInt64 { base.size }

    init(_ base: any ByteSource, _ patches: [(offset: UInt64, bytes: [UInt8])]) {
        self.base = base
        self.patches = patches
    }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = try base.read(at: offset, count: count)
        for patch in patches {
            for (i, byte) in patch.bytes.enumerated() {
                let at = patch.offset + UInt64(i)
                if at >= offset, at < offset + UInt64(bytes.count) { bytes[Int(at - offset)] = byte }
            }
        }
        return bytes
    }
}

/// Big-endian and little-endian byte encodings for patches.
func be32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
func be64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
func le16(_ v: UInt16) -> [UInt8] { [UInt8(truncatingIfNeeded: v), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

/// The message of the `ImageError` `body` throws, or nil when it throws none.
func imageErrorMessage(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as ImageError { return error.message } catch { return "non-ImageError: \(error)" }
    return nil
}
