import Foundation

/// A fresh folder under the system's temporary folder for one test's files, removed with
/// everything in it when the value is released.
public final class Scratch: @unchecked Sendable {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "koopack-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` (making its folders) and returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Writes `text` as UTF-8 to `name` and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    /// Makes `name` a sparse file of `size` bytes (all holes) and returns its path.
    @discardableResult
    public func sparse(_ name: String, size: UInt64) throws -> String {
        let target = try write(name, [])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        try handle.truncate(atOffset: size)
        try handle.close()
        return target
    }

    /// The bytes of `name`.
    public func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    /// The size of `name` in bytes.
    public func size(_ name: String) throws -> UInt64 {
        (try FileManager.default.attributesOfItem(atPath: file(name))[.size] as? NSNumber)?.uint64Value ?? 0
    }
}
