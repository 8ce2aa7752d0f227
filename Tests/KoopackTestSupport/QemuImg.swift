import Foundation

/// qemu-img, where it is installed: the reference koopack's header facts are held against and
/// the tool most fixtures are made with.
public enum QemuImg {
    /// The path of qemu-img, or nil when it is not installed (tests that need it then skip).
    public static let path: String? = Tool.path("qemu-img")

    public static var available: Bool { path != nil }

    /// Runs qemu-img with `arguments`, throwing with its standard error when it fails.
    /// qemu-img's LUKS key derivation times itself and, on a loaded machine, now and then fails
    /// to measure its CPU time; such a run is repeated (up to 20 times, a moment apart) rather
    /// than failed.
    @discardableResult
    public static func run(_ arguments: [String], in directory: String? = nil) throws -> String {
        guard let path else { throw TestFailure("qemu-img is not installed") }
        var attempt = 0
        while true {
            do {
                return try Tool.run(path, arguments, in: directory)
            } catch let failure as TestFailure where failure.description.contains("Unable to get accurate CPU usage") && attempt < 19 {
                attempt += 1
                usleep(200_000)
            }
        }
    }

    /// `qemu-img info --output=json` of `file` (run in `directory`), parsed.
    public static func info(_ file: String, format: String? = nil, in directory: String? = nil) throws -> [String: Any] {
        var arguments = ["info", "--output=json"]
        if let format { arguments += ["-f", format] }
        let text = try run(arguments + [file], in: directory)
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("qemu-img info printed no JSON object for \(file)")
        }
        return object
    }
}

/// The folders of the source tree tests read fixtures from.
public enum SourceTree {
    /// The package's root folder.
    public static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `relative` inside `testdata/`.
    public static func testdata(_ relative: String) -> String { root + "/testdata/" + relative }
}
