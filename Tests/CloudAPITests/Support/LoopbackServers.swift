import KoopackTestSupport
import CloudAPI
import Foundation
import Synchronization

/// Where the cloud test scripts and fixtures live (testdata/cloud, testdata/images).
enum CloudTestData {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let cloud = root.appendingPathComponent("testdata/cloud").path
    static let images = root.appendingPathComponent("testdata/images").path

    /// The account the IMS test server serves (keys made up for tests).
    nonisolated(unsafe) static let account: [String: Any] = {
        let data = FileManager.default.contents(atPath: cloud + "/account.json") ?? Data()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }()
    static var accessKey: String { account["ak"] as? String ?? "" }
    static var secretKey: String { account["sk"] as? String ?? "" }

    /// Whether python3 with Huawei's SDK is here: the signing oracle and the IMS test server
    /// need it (the Makefile installs it).
    static let sdkAvailable: Bool = (try? runTool("/usr/bin/env", ["python3", "-c", "import huaweicloudsdkcore"]).status) == 0

    /// Whether python3 is here, for the test servers that need nothing else.
    static let pythonAvailable: Bool = (try? runTool("/usr/bin/env", ["python3", "-c", "pass"]).status) == 0

    /// Runs a tool to its end; its standard output, standard error and status.
    @discardableResult
    static func runTool(_ path: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            DispatchQueue.global().async {
                inPipe.fileHandleForWriting.write(input)
                try? inPipe.fileHandleForWriting.close()
            }
        }
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
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// A throw-away CA and a server certificate for 127.0.0.1, made by openssl when first needed.
enum TestCA {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "koopack-test-ca-" + UUID().uuidString
        _ = try? CloudTestData.runTool("/bin/sh", [CloudTestData.cloud + "/make-test-ca.sh", path])
        return path
    }()
    static var caFile: String { directory + "/ca.pem" }
    static var certificate: String { directory + "/server.pem" }
    static var key: String { directory + "/server-key.pem" }
}

/// A server process a test starts on loopback (it prints `READY <port>` when listening) and
/// stops when it is released. Every server also exits by itself after its lifetime.
final class LoopbackServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    /// The server's request log (one JSON object per line).
    let logPath: String

    init(script: String, arguments: [String]) throws {
        logPath = NSTemporaryDirectory() + "koopack-server-" + UUID().uuidString + ".jsonl"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CloudTestData.cloud + "/" + script, "--log", logPath, "--lifetime", "600"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = ""
        let descriptor = out.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(60)
        while !line.contains("\n"), Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(descriptor, &byte, 1) == 1 else { break }
            line.append(Character(Unicode.Scalar(byte)))
        }
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw CloudAPIError(.transport, "\(script) did not start: \(line)")
        }
        self.port = port
        ServerReaper.register(process.processIdentifier)
    }

    /// One IMS server for the whole test run: fault regions keep their state per region name,
    /// so tests that use names of their own do not disturb each other. Stopped at exit.
    static let sharedIMS: Result<LoopbackServer, Error> = Result { try ims() }

    /// The IMS/IAM stand-in over HTTPS, with the test CA's certificate.
    static func ims(pageCap: Int = 4) throws -> LoopbackServer {
        try LoopbackServer(script: "ims_server.py", arguments: [
            "--cert", TestCA.certificate, "--key", TestCA.key, "--account", CloudTestData.cloud + "/account.json",
            "--page-cap", String(pageCap)])
    }

    /// The hostile range server over HTTP.
    static func range(size: Int) throws -> LoopbackServer {
        try LoopbackServer(script: "range_server.py", arguments: ["--size", String(size)])
    }

    /// The endpoint template that reaches this server.
    var template: String { "https://127.0.0.1:\(port)/{service}/{region}" }

    /// The requests logged so far, once at least `count` of those `matching` are in (a server logs
    /// a request when it is done with it); gives up after ten seconds.
    func requests(atLeast count: Int, matching: ([String: Any]) -> Bool) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(10)
        var found = requests().filter(matching)
        while found.count < count, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            found = requests().filter(matching)
        }
        return found
    }

    /// The requests logged so far.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    deinit {
        ServerReaper.unregister(process.processIdentifier)
        stop(process)
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// Stops, when the test process exits, every server it started that is still running (a shared
/// server lives as long as the test run; each also exits by itself after its lifetime).
enum ServerReaper {
    private static let pids = Mutex<[pid_t]>([])
    private static let installed: Void = { atexit { ServerReaper.stopAll() } }()

    static func register(_ pid: pid_t) {
        _ = installed
        pids.withLock { $0.append(pid) }
    }

    /// Forgets a server that was stopped and waited for (its pid may be reused).
    static func unregister(_ pid: pid_t) {
        pids.withLock { $0.removeAll { $0 == pid } }
    }

    static func stopAll() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGTERM) }
    }
}

/// The range server's object: byte i is PATTERN[i % 4194301], PATTERN[j] = (j*131 + (j>>12)) % 251.
func rangeServerBytes(_ start: Int, _ count: Int) -> [UInt8] {
    let period = 4_194_301
    return (start..<(start + count)).map { i in
        let j = i % period
        return UInt8((j * 131 + (j >> 12)) % 251)
    }
}
