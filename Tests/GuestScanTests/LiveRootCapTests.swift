import Foundation
import Findings
import GuestScan
import Testing

/// A live root is bounded as an image is: the walk for private keys where services keep them
/// stops after the same number of files, and says so.
struct LiveRootCapTests {
    static let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n"

    @Test func aServiceDirectoryWithMoreFilesThanTheCapIsWalkedOnlyUpToIt() throws {
        let tree = NSTemporaryDirectory() + "koopack-live-cap-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let fill = tree + "/srv/fill"
        try FileManager.default.createDirectory(atPath: fill, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tree + "/etc", withIntermediateDirectories: true)
        try "root:x:0:0:root:/root:/bin/sh\n".write(toFile: tree + "/etc/passwd", atomically: false, encoding: .utf8)
        // 25,000 files between two keys: read in name order, the first key is met at once and
        // the last one only after every other file.
        let created = 25_000
        try Self.key.write(toFile: fill + "/a-first.pem", atomically: false, encoding: .utf8)
        for index in 0..<created {
            guard FileManager.default.createFile(atPath: fill + "/f" + String(index), contents: nil) else {
                throw CocoaError(.fileWriteUnknown)
            }
        }
        try Self.key.write(toFile: fill + "/z-last.pem", atomically: false, encoding: .utf8)

        let report = try LiveRootScan.scan(directory: tree, metadata: nil, mountinfo: "")
        let keys = report.findings.filter { $0.ruleID == .privateKeyInSystem }.compactMap { $0.evidence("file") }
        #expect(keys == ["/srv/fill/a-first.pem"], "\(keys)")
        let stopped = try #require(report.warnings.first { $0.contains("stopped after") }, "\(report.warnings)")
        let looked = try #require(Int(stopped.split(separator: " ").drop { $0 != "after" }.dropFirst().first ?? ""))
        #expect(looked > 0 && looked < created + 2, "\(stopped)")
    }
}
