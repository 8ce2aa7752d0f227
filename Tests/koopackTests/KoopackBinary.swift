import Foundation
import Testing

/// The built `koopack` executable and a way to run it as a user would, capturing its output
/// and exit status. Found beside the test bundle (SwiftPM builds both into one folder), or at
/// `KOOPACK_BINARY`.
enum KoopackBinary {
    static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["KOOPACK_BINARY"] { return explicit }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("koopack").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/koopack").path
    }()

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs koopack with `arguments` (and `environment` added), waiting for it to finish.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes concurrently so a large output cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh directory under the system's temporary folder, removed when released.
final class Scratch {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "koopack-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// qemu-img, when installed, to make real images for end-to-end runs.
enum Qemu {
    static let available = FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-img")
    static func img(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: ["qemu-img": arguments.joined(separator: " ")])
        }
    }
}

/// Parses koopack's `--format json` output: an array of objects.
func parseReports(_ text: String) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [[String: Any]], "output is not a JSON array of objects:\n\(text)")
}
