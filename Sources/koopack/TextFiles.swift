import DiskImage
import ImagePackage

/// Small text inputs given on the command line: policy profiles, lists of released IDs.
enum TextFiles {
    /// Largest text file koopack reads whole from the command line.
    static let maxBytes = 16 << 20

    /// The whole file as UTF-8 text (invalid sequences repaired), when it is no larger than
    /// `maxBytes`.
    static func read(_ path: String) throws -> String {
        String(decoding: try HostFiles.readSmallFile(path, limit: maxBytes), as: UTF8.self)
    }
}
