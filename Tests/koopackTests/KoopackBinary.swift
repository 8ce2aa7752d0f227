import Foundation
import Testing
// The shared process runner, scratch folder and qemu-img, for every file of these tests.
@_exported import KoopackTestSupport

/// The built `koopack` executable (this test target depends on it, so it is never stale) and a
/// way to run it as a user would, capturing its output and exit status. Found beside the test
/// bundle (SwiftPM builds both into one folder), or at `KOOPACK_BINARY`.
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

    /// Runs koopack with `arguments` (and `environment` added), waiting for it to finish.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolRun {
        try Tool.capture(path, arguments, environment: environment)
    }
}

/// Parses koopack's `--format json` output: an array of objects.
func parseReports(_ text: String) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(value as? [[String: Any]], "output is not a JSON array of objects:\n\(text)")
}
