import Foundation
import Testing
@testable import DiskImage

/// The images in testdata/zvhd written by the public ZVHD/ZVHD2 driver's own code, each with the
/// facts it must give (`NAME.expected.json`), and koopack's writer beside them.
enum ZVHDCases {
    static let directory: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/zvhd").path

    /// One driver-written image and its expected facts.
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let expectedFile: String
        var path: String { ZVHDCases.directory + "/" + name }
        var description: String { name }

        /// The parsed `NAME.expected.json`.
        var expected: [String: Any] {
            get throws {
                let data = try Data(contentsOf: URL(fileURLWithPath: expectedFile))
                return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            }
        }

        /// The footer the driver reads (ZVHD: the one at 0; ZVHD2: the final one).
        var driverFooter: [String: Any] {
            get throws {
                let info = try #require(try expected["driver_info"] as? [String: Any])
                return try #require((info["footer_in_use"] ?? info["footer_at_0"]) as? [String: Any])
            }
        }
    }

    static let all: [Case] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".expected.json") }.sorted().compactMap { name in
            let file = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: file),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let image = object["image"] as? String else { return nil }
            return Case(name: image, expectedFile: file)
        }
    }()

    /// The writer, `testdata/zvhd/zvhd-writer.py`.
    static var writer: String { directory + "/zvhd-writer.py" }

    /// Whether python3 (for the writer) is installed.
    static let pythonAvailable = Tool.exists("python3")

    /// Runs the writer with `arguments`.
    @discardableResult
    static func runWriter(_ arguments: [String]) throws -> String {
        try Tool.run("python3", [writer] + arguments)
    }
}

/// SHA-256 of files, by OpenSSL's command line (fast, and independent of koopack).
enum FileDigest {
    static let available = Tool.exists("openssl")

    static func sha256(_ path: String) throws -> String {
        let output = try Tool.run("openssl", ["dgst", "-sha256", "-r", path])
        return String(output.prefix { $0 != " " })
    }
}
