import Foundation
import Testing
@testable import DiskImage

/// The committed fixtures in testdata/images: each image beside the `qemu-img info --output=json`
/// it must match, made by the scripts in that folder.
enum Fixtures {
    static let directory: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("testdata/images").path

    /// Every fixture image that has a `.qemu.json` beside it.
    static var images: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".qemu.json") }
            .map { directory + "/" + String($0.dropLast(".qemu.json".count)) }
            .filter { FileManager.default.fileExists(atPath: $0) }
            .sorted()
    }

    /// Keys where koopack is right and qemu-img is not, for the fixtures that show it: a fixed
    /// VHD and an ISO are `raw` to qemu-img.
    static func exceptions(for image: String) -> Set<String> {
        let name = FilePaths.lastComponent(image)
        if name.hasSuffix(".iso") { return ["format", "format-specific"] }
        if name.contains("fixed") && (name.hasSuffix(".vhd") || name.hasSuffix(".vpc")) {
            return ["format", "virtual-size", "format-specific"]
        }
        return []
    }
}

@Suite struct FixtureTests {
    @Test func thereAreFixturesToCheck() {
        #expect(!Fixtures.images.isEmpty, "no fixtures in \(Fixtures.directory)")
    }

    /// koopack's JSON for each committed fixture equals the qemu-img JSON saved beside it, over
    /// every key both print. `actual-size` and `filename` depend on where and how the file was
    /// checked out, so they are left out.
    @Test(arguments: Fixtures.images)
    func eachFixtureMatchesTheQemuImgJSONSavedBesideIt(image: String) throws {
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: image + ".qemu.json")))
        var theirs = try #require(saved as? [String: Any])
        // Inspect by the name relative to the folder, as qemu-img was run there, so names of
        // extents and backing files compare as written.
        let rooted = ImageInspector(resolver: FolderResolver(folder: Fixtures.directory))
        let text = try rooted.inspect(path: FilePaths.lastComponent(image)).json.serialized(indent: nil)
        var mine = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in Fixtures.exceptions(for: image).union(["actual-size", "filename", "full-backing-filename"]) {
            theirs[key] = nil
            mine[key] = nil
        }
        let differences = disagreements(mine, theirs)
        #expect(differences.isEmpty, "\(image):\n\(differences.joined(separator: "\n"))")
    }

    /// Every fixture cut short at each header boundary (every 8 bytes in the first 4 KiB, every
    /// 512 after, up to the whole file) is read to a value or a clean ImageError: never a trap.
    /// A trap would end the test process, so reaching the end is the assertion; errors must
    /// still name an offset or say what is wrong.
    @Test(arguments: Fixtures.images)
    func everyTruncationOfAFixtureGivesAValueOrACleanError(image: String) throws {
        let whole = try FileByteSource(path: image)
        let length = Int(min(whole.size, 1 << 20))
        let bytes = try whole.read(at: 0, count: length)
        var cuts = Array(stride(from: 0, to: min(length, 4096), by: 8))
        cuts += Array(stride(from: 4096, to: length, by: 512))
        for cut in cuts {
            let source = MemoryByteSource(Array(bytes[0..<cut]))
            do {
                _ = try ImageInspector(resolver: NoFiles()).inspectHeader(source, filename: FilePaths.lastComponent(image))
            } catch let error as ImageError {
                #expect(!error.message.isEmpty)
            }
        }
    }
}

/// A resolver with no files: what an archive member or a fuzzer input sees.
typealias NoFiles = NoRelatedFiles

/// Resolves relative paths inside one folder, as if the process ran there.
struct FolderResolver: FileResolver {
    let folder: String
    private let host = HostFileResolver()
    private func full(_ path: String) -> String { path.hasPrefix("/") ? path : folder + "/" + path }
    func open(_ path: String) throws -> any ByteSource { try host.open(full(path)) }
    func allocatedSize(of path: String) -> UInt64? { host.allocatedSize(of: full(path)) }
    func canonicalPath(_ path: String) -> String? { host.canonicalPath(full(path)) }
}
