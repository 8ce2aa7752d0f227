import Foundation
import Testing
@testable import DiskImage
// The shared process runner, scratch folder and qemu-img, for every file of these tests.
@_exported import KoopackTestSupport

/// koopack's JSON for `file`, parsed the same way as qemu-img's, so the two compare directly.
func koopackInfo(_ file: String) throws -> [String: Any] {
    let info = try ImageInspector().inspect(path: file)
    let text = info.json.serialized(indent: nil)
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw TestFailure("koopack printed no JSON object for \(file)")
    }
    return object
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
