import Foundation

/// A failure with a message, thrown by the test helpers.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a finished process left: its exit status, both outputs and its process ID.
public struct ToolRun: Sendable {
    public let status: Int32
    public let output: [UInt8]
    public let errors: [UInt8]
    public let pid: Int32

    /// Standard output as text.
    public var stdout: String { String(decoding: output, as: UTF8.self) }
    /// Standard error as text.
    public var stderr: String { String(decoding: errors, as: UTF8.self) }
}

/// Runs the programs tests hold koopack against and build fixtures with (qemu-img, sfdisk,
/// mkfs.*, sha256sum, python3, koopack itself), waiting for each to finish.
public enum Tool {
    /// Folders searched after `PATH`: partitioning and mkfs tools live in sbin.
    static let systemFolders = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The absolute path of `name` (itself when it is a path), searching `PATH` and then the
    /// system folders; nil when it is not installed.
    public static func path(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + systemFolders
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether every program in `names` is installed.
    public static func exists(_ names: String...) -> Bool { names.allSatisfy { path($0) != nil } }

    /// Runs `name` with `arguments` and returns its standard output; throws, with its standard
    /// error, when its exit status is not in `accept`.
    @discardableResult
    public static func run(_ name: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String] = [:], in directory: String? = nil,
                           accept: Set<Int32> = [0]) throws -> String {
        let run = try capture(name, arguments, input: input.map { Array($0.utf8) }, environment: environment, in: directory)
        guard accept.contains(run.status) else {
            throw TestFailure("\(name) \(arguments.joined(separator: " ")) failed (\(run.status)): \(run.stderr)")
        }
        return run.stdout
    }

    /// Runs `name` with `arguments` (`input` on its standard input, `environment` added, in
    /// `directory`) and returns what it left, whatever its exit status. Standard input and both
    /// outputs go through files, not pipes: a program that exits without reading its input
    /// cannot break a pipe, and nothing waits on a full one.
    public static func capture(_ name: String, _ arguments: [String], input: [UInt8]? = nil,
                               environment: [String: String] = [:], in directory: String? = nil) throws -> ToolRun {
        guard let executable = path(name) else { throw TestFailure("\(name) is not installed") }
        let scratch = try Scratch()
        let inPath = try scratch.write("in", input ?? [])
        let outPath = try scratch.write("out", [])
        let errPath = try scratch.write("err", [])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = input == nil ? nil : try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        let stdout = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let stderr = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? stdin?.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin ?? FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        return ToolRun(status: process.terminationStatus, output: try scratch.bytes("out"), errors: try scratch.bytes("err"),
                       pid: process.processIdentifier)
    }

    /// `sha256sum`'s digest of the file at `path`: an expected value from another implementation.
    public static func sha256sum(_ path: String) throws -> String {
        String(try run("sha256sum", [path]).prefix { $0 != " " })
    }
}
