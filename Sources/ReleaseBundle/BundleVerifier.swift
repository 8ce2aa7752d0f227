#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DiskImage

/// One way a bundle differs from its manifest.
public struct BundleDifference: Sendable, Equatable, CustomStringConvertible {
    /// What kind of difference.
    public enum Kind: String, Sendable {
        /// Listed in the manifest, absent from the folder.
        case missing
        /// In the folder, not listed in the manifest.
        case extra
        /// Present with another size than the manifest's.
        case resized
        /// Present with the manifest's size but another SHA-256.
        case altered
        /// Present but not a regular file (a folder, a symbolic link, a device).
        case notAFile = "not-a-file"
        /// `SHA256SUMS` disagrees with the manifest (another digest, a file one lists and the
        /// other does not, or a line that is not `digest  path`).
        case checksumListMismatch = "sha256sums-mismatch"
    }

    public var kind: Kind
    /// The file's path relative to the bundle's folder.
    public var path: String
    /// Expected and found, in words.
    public var detail: String

    public init(kind: Kind, path: String, detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    /// `altered: day-01/images/web.qcow2: SHA-256 ...`.
    public var description: String { "\(kind.rawValue): \(path): \(detail)" }
}

/// What `BundleVerifier.verify` found.
public struct BundleVerification: Sendable {
    public var manifest: BundleManifest
    /// Files whose size and SHA-256 match the manifest.
    public var verifiedFiles: Int
    /// Bytes read and hashed.
    public var verifiedBytes: UInt64
    /// Every difference, sorted by path, then kind.
    public var differences: [BundleDifference]
}

/// Re-reads a bundle and proves every file against `manifest.json` and `SHA256SUMS`.
public enum BundleVerifier {
    /// Reads the manifest of the bundle in `folder`; a `BundleError` when it is missing,
    /// unreadable or malformed (the bundle cannot be verified at all).
    public static func manifest(of folder: String) throws(BundleError) -> BundleManifest {
        let path = BundleStage.join(folder, BundleManifest.fileName)
        let bytes = try BundleStage.readSmallFile(path, limit: BundleManifest.maximumBytes)
        return try BundleManifest.parse(bytes, file: path)
    }

    /// Hashes every file of the bundle in `folder` (at most `width` at once) and compares it with
    /// the manifest and `SHA256SUMS`: missing, extra, resized and altered files, each named.
    public static func verify(_ folder: String, width: Int, counter: ByteCounter? = nil) async throws(BundleError) -> BundleVerification {
        let manifest = try self.manifest(of: folder)
        var differences: [BundleDifference] = []
        var present = try BundleVerifier.regularFiles(in: folder)
        present.files.remove(BundleManifest.fileName)
        differences += sumsDifferences(folder, manifest: manifest, present: present.files.contains(BundleManifest.sumsFileName))
        present.files.remove(BundleManifest.sumsFileName)
        for path in present.others.sorted() {
            let listed = manifest.files.contains { $0.path == path }
            differences.append(BundleDifference(kind: listed ? .notAFile : .extra, path: path,
                                                detail: listed ? "is not a regular file" : "is not listed in the manifest"))
        }
        let listed = Set(manifest.files.map(\.path))
        for path in present.files.subtracting(listed).sorted() {
            differences.append(BundleDifference(kind: .extra, path: path, detail: "is not listed in the manifest"))
        }
        var toHash: [BundleManifest.File] = []
        for file in manifest.files {
            if present.others.contains(file.path) { continue }
            guard present.files.contains(file.path) else {
                differences.append(BundleDifference(kind: .missing, path: file.path,
                                                    detail: "listed with \(file.size) bytes, not in the bundle"))
                continue
            }
            toHash.append(file)
        }
        let folderPath = folder
        let order = toHash.indices.sorted { toHash[$0].size > toHash[$1].size }
        let results = await ParallelWork.mapInBackground(toHash, width: width, order: order, batchSize: 1) { file -> Result<HashedFile, BundleError> in
            let path = BundleStage.join(folderPath, file.path)
            do throws(BundleError) { return .success(try FileHasher.hash(path: path, counter: counter)) }
            catch { return .failure(error) }
        }
        var verified = 0
        var bytes: UInt64 = 0
        for (file, result) in zip(toHash, results) {
            switch result {
            case .success(let hashed):
                bytes += hashed.size
                if hashed.size != file.size {
                    differences.append(BundleDifference(kind: .resized, path: file.path,
                                                        detail: "is \(hashed.size) bytes, the manifest says \(file.size)"))
                } else if hashed.sha256 != file.sha256 {
                    differences.append(BundleDifference(kind: .altered, path: file.path,
                                                        detail: "SHA-256 is \(hashed.sha256), the manifest says \(file.sha256)"))
                } else {
                    verified += 1
                }
            case .failure(let error):
                throw error
            }
        }
        differences.sort { ($0.path, $0.kind.rawValue) < ($1.path, $1.kind.rawValue) }
        return BundleVerification(manifest: manifest, verifiedFiles: verified, verifiedBytes: bytes, differences: differences)
    }

    /// Differences between `SHA256SUMS` and the manifest.
    static func sumsDifferences(_ folder: String, manifest: BundleManifest, present: Bool) -> [BundleDifference] {
        let name = BundleManifest.sumsFileName
        guard present else {
            return [BundleDifference(kind: .missing, path: name, detail: "the checksum list is not in the bundle")]
        }
        let bytes: [UInt8]
        do {
            bytes = try BundleStage.readSmallFile(BundleStage.join(folder, name), limit: BundleManifest.maximumBytes)
        } catch {
            return [BundleDifference(kind: .checksumListMismatch, path: name, detail: error.message)]
        }
        var listed: [String: String] = [:]
        var differences: [BundleDifference] = []
        for (number, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
            // `sha256sum` writes `<digest>  <path>` (two spaces, or space-star in binary mode).
            let text = String(line)
            let digest = String(text.prefix(64))
            let rest = text.dropFirst(64)
            guard BundlePaths.isSHA256(digest), rest.hasPrefix("  ") || rest.hasPrefix(" *") else {
                differences.append(BundleDifference(kind: .checksumListMismatch, path: name,
                                                    detail: "line \(number + 1) is not \"<sha256>  <path>\""))
                continue
            }
            listed[String(rest.dropFirst(2))] = digest
        }
        for file in manifest.files {
            switch listed.removeValue(forKey: file.path) {
            case nil:
                differences.append(BundleDifference(kind: .checksumListMismatch, path: file.path,
                                                    detail: "is in the manifest but not in \(name)"))
            case let digest? where digest != file.sha256:
                differences.append(BundleDifference(kind: .checksumListMismatch, path: file.path,
                                                    detail: "\(name) says \(digest), the manifest says \(file.sha256)"))
            default:
                break
            }
        }
        for path in listed.keys.sorted() {
            differences.append(BundleDifference(kind: .checksumListMismatch, path: path,
                                                detail: "is in \(name) but not in the manifest"))
        }
        return differences
    }

    /// The regular files below `folder` (relative paths) and everything else that is not a
    /// folder (symbolic links, devices), walking at most `BundleStage.maximumTreeEntries` entries
    /// and never following links.
    static func regularFiles(in folder: String) throws(BundleError) -> (files: Set<String>, others: Set<String>) {
        var files: Set<String> = []
        var others: Set<String> = []
        var visited = 0
        func walk(_ relative: String, depth: Int) throws(BundleError) {
            let path = relative.isEmpty ? folder : BundleStage.join(folder, relative)
            for name in try BundleStage.list(path) {
                visited += 1
                guard visited <= BundleStage.maximumTreeEntries else {
                    throw BundleError("\(folder) holds more than \(BundleStage.maximumTreeEntries) entries")
                }
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(BundleStage.join(folder, child), &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFREG: files.insert(child)
                case S_IFDIR:
                    guard depth < BundleStage.maximumTreeDepth else { others.insert(child); continue }
                    try walk(child, depth: depth + 1)
                default: others.insert(child)
                }
            }
        }
        try walk("", depth: 0)
        return (files, others)
    }
}
