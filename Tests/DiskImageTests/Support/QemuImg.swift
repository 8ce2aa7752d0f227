import Foundation
import Testing
@testable import DiskImage

/// qemu-img, where it is installed: the reference koopack's header facts are held against.
enum QemuImg {
    /// The path of qemu-img, or nil when it is not installed (the differential tests then skip).
    static let path: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/qemu-img"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static var available: Bool { path != nil }

    /// Runs qemu-img with `arguments`, throwing with its standard error when it fails.
    /// qemu-img's LUKS key derivation times itself and, on a loaded machine, now and then fails
    /// to measure its CPU time; such a run is repeated (up to 20 times, a moment apart) rather
    /// than failed.
    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil) throws -> String {
        guard let path else { throw TestFailure("qemu-img is not installed") }
        var attempt = 0
        while true {
            do {
                return try Command.run(path, arguments, in: directory)
            } catch let failure as TestFailure where failure.description.contains("Unable to get accurate CPU usage") && attempt < 19 {
                attempt += 1
                usleep(200_000)
            }
        }
    }

    /// `qemu-img info --output=json` of `file`, parsed.
    static func info(_ file: String, format: String? = nil) throws -> [String: Any] {
        var arguments = ["info", "--output=json"]
        if let format { arguments += ["-f", format] }
        let text = try run(arguments + [file])
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("qemu-img info printed no JSON object for \(file)")
        }
        return object
    }
}

/// Runs external commands (qemu-img, sfdisk, mkfs) for fixtures made at test time.
enum Command {
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
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
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// Whether `name` is on the PATH.
    static func exists(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/sbin:/sbin")
            .split(separator: ":").map(String.init).appending(contentsOf: ["/usr/sbin", "/sbin"])
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }
}

extension Array {
    func appending(contentsOf other: [Element]) -> [Element] { self + other }
}

/// A failure with a message, thrown from test helpers.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system's temporary folder, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let base = NSTemporaryDirectory() + "koopack-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    /// `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// koopack's JSON for `file`, parsed the same way as qemu-img's, so the two compare directly.
func koopackInfo(_ file: String) throws -> [String: Any] {
    let info = try ImageInspector().inspect(path: file)
    let text = info.json.serialized(indent: nil)
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw TestFailure("koopack printed no JSON object for \(file)")
    }
    return object
}

/// The differences between two parsed JSON values over the keys both have, recursively, as
/// readable lines (`format-specific.data.cid: 1 ≠ 2`). Empty when they agree.
func disagreements(_ mine: Any, _ theirs: Any, at path: String = "") -> [String] {
    switch (mine, theirs) {
    case let (a as [String: Any], b as [String: Any]):
        return a.keys.sorted().filter { b[$0] != nil }.flatMap {
            disagreements(a[$0]!, b[$0]!, at: path.isEmpty ? $0 : "\(path).\($0)")
        }
    case let (a as [Any], b as [Any]):
        guard a.count == b.count else { return ["\(path): \(a.count) items ≠ \(b.count) items"] }
        return zip(a, b).enumerated().flatMap { disagreements($1.0, $1.1, at: "\(path)[\($0)]") }
    case let (a as NSNumber, b as NSNumber):
        return a == b ? [] : ["\(path): \(a) ≠ \(b)"]
    case let (a as String, b as String):
        return a == b ? [] : ["\(path): \(a) ≠ \(b)"]
    default:
        return ["\(path): \(mine) ≠ \(theirs)"]
    }
}

/// Holds koopack's JSON for `file` against qemu-img's: every key both print must agree.
/// `exceptions` names top-level keys where koopack is knowingly different (fixed VHD, ISO).
func expectAgreesWithQemu(_ file: String, qemuFormat: String? = nil, exceptions: Set<String> = [],
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
    var theirs = try QemuImg.info(file, format: qemuFormat)
    var mine = try koopackInfo(file)
    for key in exceptions {
        theirs[key] = nil
        mine[key] = nil
    }
    let differences = disagreements(mine, theirs)
    #expect(differences.isEmpty, "\(file): koopack and qemu-img disagree:\n\(differences.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
}
