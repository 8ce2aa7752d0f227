#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DiskImage
import ImagePackage

/// One file a bundle carries: where it comes from, the name it is uploaded as, and its role.
public struct BundleItem: Sendable, Equatable {
    /// The name in the bundle and on upload: the path relative to the release's folder.
    public var name: String
    /// The real path of the source file.
    public var source: String
    /// `image`, `metadata`, `eula`, `user-guide`, `certificate`, `oss-notice` or `software`.
    public var role: String
    /// The `release.yaml` keys that name it.
    public var keys: [String]
    /// Its size when listed (the copy measures it again).
    public var size: UInt64

    public init(name: String, source: String, role: String, keys: [String], size: UInt64) {
        self.name = name
        self.source = source
        self.role = role
        self.keys = keys
        self.size = size
    }

    /// The files of `release`, one per distinct real path (a file named twice is carried once,
    /// with every key that names it), in the release's order.
    public static func items(of release: Release) throws(BundleError) -> [BundleItem] {
        var items: [BundleItem] = []
        var index: [String: Int] = [:]
        for file in release.files {
            if let at = index[file.path] {
                items[at].keys.append(file.key)
                continue
            }
            guard let name = relativeName(file.path, in: release.directory) else {
                throw BundleError("\(file.written) (\(file.key)) is not inside the release's folder \(release.directory)")
            }
            var info = stat()
            guard stat(file.path, &info) == 0 else { throw BundleError.system("read", file.written) }
            guard access(file.path, R_OK) == 0 else { throw BundleError.system("read", file.written) }
            index[file.path] = items.count
            items.append(BundleItem(name: name, source: file.path, role: role(ofKey: file.key), keys: [file.key],
                                    size: UInt64(max(0, info.st_size))))
        }
        return items
    }

    /// The role a `release.yaml` key gives its file.
    public static func role(ofKey key: String) -> String {
        switch key {
        case "documents.eula": return "eula"
        case "documents.user-guide": return "user-guide"
        case "documents.certificate": return "certificate"
        case "documents.oss-notice": return "oss-notice"
        default:
            if key.hasSuffix(".image.file") { return "image" }
            if key.hasSuffix(".image.metadata") { return "metadata" }
            return "software"
        }
    }

    /// `path` relative to `root` (both real paths), nil when it is not below it.
    static func relativeName(_ path: String, in root: String) -> String? {
        let prefix = root == "/" ? "/" : root + "/"
        guard path.hasPrefix(prefix) else { return nil }
        let name = String(path.dropFirst(prefix.count))
        return BundlePaths.isSafeRelative(name) ? name : nil
    }
}

/// A file copied into the staging folder, hashed.
public struct StagedFile: Sendable, Equatable {
    public var item: BundleItem
    public var hashed: HashedFile
}

/// A bundle being written: a hidden folder `.NAME.partial-<pid>` beside the final folder, which
/// becomes the bundle only by one `rename` once it is complete. Until then no folder `NAME`
/// exists, so an interruption at any point leaves no bundle (a killed process leaves the hidden
/// folder, which the next run removes: see `stalePartials`).
public final class BundleStage: @unchecked Sendable {
    /// The bundle's final folder.
    public let finalPath: String
    /// The hidden folder the bundle is written in.
    public let partialPath: String
    /// Where each file currently is, relative to `partialPath` (moved by `layOut`).
    private var locations: [String: String] = [:]

    /// The prefix of staged files before they are laid out by day.
    static let stagingFolder = ".staging"
    /// How deep `removeTree` descends: a bundle is `day-NN/<release path>`, and release paths
    /// are short; anything deeper was not made by koopack.
    static let maximumTreeDepth = 64
    /// The most entries `removeTree` and `listTree` visit: bounds a walk over a hostile folder.
    public static let maximumTreeEntries = 1_000_000

    /// Makes the hidden folder for a bundle at `finalPath`. Throws when `finalPath` exists (or
    /// is a dangling link), when its parent folder does not, or when the folder cannot be made.
    public init(finalPath: String) throws(BundleError) {
        let trimmed = BundleStage.trimmingSlashes(finalPath)
        self.finalPath = trimmed
        let (parent, name) = BundleStage.split(trimmed)
        guard !name.isEmpty, name != ".", name != ".." else { throw BundleError("\(finalPath) is not a usable bundle folder name") }
        var info = stat()
        if lstat(trimmed, &info) == 0 { throw BundleError("\(finalPath) already exists: give a new folder for the bundle") }
        guard stat(parent, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw BundleError("the folder \(parent) that should hold \(finalPath) does not exist")
        }
        partialPath = BundleStage.join(parent, BundleStage.partialName(of: name, pid: getpid()))
        guard mkdir(partialPath, 0o755) == 0 else { throw BundleError.system("create", partialPath) }
        guard mkdir(partialPath + "/" + BundleStage.stagingFolder, 0o755) == 0 else {
            throw BundleError.system("create", partialPath + "/" + BundleStage.stagingFolder)
        }
    }

    /// `.NAME.partial-PID`.
    public static func partialName(of name: String, pid: pid_t) -> String { ".\(name).partial-\(pid)" }

    /// Copies (or hard-links, when `link`) every item into the staging folder, hashing each as
    /// it is read; at most `width` files at once, largest first, each on its own task. Returns
    /// the files in the order of `items`.
    public func copyIn(_ items: [BundleItem], link: Bool, width: Int, counter: ByteCounter,
                       stop: StopFlag) async throws(BundleError) -> [StagedFile] {
        for item in items {
            try BundleStage.makeParents(of: item.name, under: partialPath + "/" + BundleStage.stagingFolder)
        }
        let order = items.indices.sorted { items[$0].size > items[$1].size }
        let base = partialPath + "/" + BundleStage.stagingFolder + "/"
        let results = await ParallelWork.mapInBackground(items, width: width, order: order, batchSize: 1) { item -> Result<HashedFile, BundleError> in
            do throws(BundleError) {
                var info = stat()
                let mode: mode_t = stat(item.source, &info) == 0 && (info.st_mode & S_IXUSR) != 0 ? 0o755 : 0o644
                let destination = base + item.name
                return .success(link
                    ? try FileHasher.link(from: item.source, to: destination, mode: mode, counter: counter, stop: stop)
                    : try FileHasher.copy(from: item.source, to: destination, mode: mode, counter: counter, stop: stop))
            } catch {
                stop.raise(signal: 0)
                return .failure(error)
            }
        }
        // Report the real failure, not the stops it caused in the other workers.
        let failures = results.compactMap { result -> BundleError? in
            if case let .failure(error) = result { return error }
            return nil
        }
        if let first = failures.first(where: { !$0.interrupted }) ?? failures.first { throw first }
        var staged: [StagedFile] = []
        for (index, item) in items.enumerated() {
            guard case let .success(hashed) = results[index] else { throw BundleError("\(item.name) was not copied") }
            locations[item.name] = BundleStage.stagingFolder + "/" + item.name
            staged.append(StagedFile(item: item, hashed: hashed))
        }
        return staged
    }

    /// Moves every staged file into its day's folder (`day-01/images/web.qcow2`) and returns the
    /// manifest entries, in the order of `files`. `dayOf` gives each file's day by name. May be
    /// called again with other days (after a re-plan): files move from wherever they are.
    public func layOut(_ files: [StagedFile], dayOf: (String) -> BundleManifest.Day?) throws(BundleError) -> [BundleManifest.File] {
        var entries: [BundleManifest.File] = []
        for file in files {
            guard let day = dayOf(file.item.name) else { throw BundleError("\(file.item.name) has no upload day in the plan") }
            let target = day.directory + "/" + file.item.name
            guard let current = locations[file.item.name] else { throw BundleError("\(file.item.name) was not staged") }
            if current != target {
                try BundleStage.makeParents(of: target, under: partialPath)
                guard rename(partialPath + "/" + current, partialPath + "/" + target) == 0 else {
                    throw BundleError.system("move \(current) to", target)
                }
                locations[file.item.name] = target
            }
            entries.append(BundleManifest.File(path: target, name: file.item.name, size: file.hashed.size,
                                               sha256: file.hashed.sha256, role: file.item.role, day: day,
                                               keys: file.item.keys))
        }
        return entries
    }

    /// Writes `manifest.json` and `SHA256SUMS`, removes the emptied staging folders, and flushes
    /// every folder of the bundle to disk, so that after `commit` the bundle survives a crash.
    public func finish(_ manifest: BundleManifest) throws(BundleError) {
        try BundleStage.removeEmptyFolders(partialPath + "/" + BundleStage.stagingFolder)
        for day in manifest.days { try BundleStage.removeEmptyFolders(partialPath + "/" + day.directory, keepRoot: true) }
        // Days no longer used after a re-plan leave empty folders: drop them.
        for entry in (try? BundleStage.list(partialPath)) ?? [] where entry.hasPrefix("day-") {
            if !manifest.days.contains(where: { $0.directory == entry }) {
                try BundleStage.removeEmptyFolders(partialPath + "/" + entry)
            }
        }
        try BundleStage.writeFile(partialPath + "/" + BundleManifest.fileName, manifest.json.serialized(indent: 2) + "\n")
        try BundleStage.writeFile(partialPath + "/" + BundleManifest.sumsFileName, manifest.sha256sums)
        try BundleStage.syncFolders(partialPath, depth: 0)
    }

    /// Makes the hidden folder the bundle: renames it to `finalPath`, refusing to replace
    /// anything there, and flushes the parent folder.
    public func commit() throws(BundleError) {
        guard BundleStage.renameNoReplace(partialPath, finalPath) else {
            throw BundleError.system("rename \(partialPath) to", finalPath)
        }
        BundleStage.syncFolder(BundleStage.split(finalPath).parent)
    }

    /// Removes the hidden folder and everything in it.
    public func discard() {
        BundleStage.removeTree(partialPath)
    }

    // MARK: Stale partial folders

    /// A hidden `.NAME.partial-PID` folder whose process is gone.
    public struct StalePartial: Sendable, Equatable {
        public var path: String
        public var pid: pid_t
        /// The bundle ID recorded in its manifest, when the manifest was written.
        public var bundleID: String?
    }

    /// The `.NAME.partial-PID` folders in the folder that holds `finalPath` whose process no
    /// longer runs (a `kill -9`, a power cut): what the next run removes.
    public static func stalePartials(near finalPath: String) -> [StalePartial] {
        let parent = split(trimmingSlashes(finalPath)).parent
        guard let names = try? list(parent) else { return [] }
        var stale: [StalePartial] = []
        for name in names where name.hasPrefix(".") {
            guard let pid = partialPID(name), pid != getpid(), !processIsAlive(pid) else { continue }
            let path = join(parent, name)
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            var bundleID: String?
            if let bytes = try? readSmallFile(path + "/" + BundleManifest.fileName, limit: BundleManifest.maximumBytes),
               let manifest = try? BundleManifest.parse(bytes, file: name) {
                bundleID = manifest.bundleID
            }
            stale.append(StalePartial(path: path, pid: pid, bundleID: bundleID))
        }
        return stale
    }

    /// The PID of a `.NAME.partial-PID` name, nil for any other name.
    static func partialPID(_ name: String) -> pid_t? {
        let marker = ".partial-"
        guard name.hasPrefix("."), name.count > marker.count + 1 else { return nil }
        var digits = Substring(name)
        while let last = digits.last, last.isASCII, last.isNumber { digits = digits.dropLast() }
        guard digits.hasSuffix(marker), digits.count > marker.count else { return nil }
        guard let pid = pid_t(name.dropFirst(digits.count)), pid > 0 else { return nil }
        return pid
    }

    /// Whether process `pid` exists (a process of another user counts as existing).
    public static func processIsAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    // MARK: File system helpers

    static func trimmingSlashes(_ path: String) -> String {
        var text = Substring(path)
        while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }

    /// The parent folder and the last name of `path`.
    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        return (parent, String(path[path.index(after: slash)...]))
    }

    static func join(_ parent: String, _ name: String) -> String { parent.hasSuffix("/") ? parent + name : parent + "/" + name }

    /// `mkdir -p` of the folders of `relative` (not its last name) below `root`.
    static func makeParents(of relative: String, under root: String) throws(BundleError) {
        var path = root
        let components = relative.split(separator: "/")
        for component in components.dropLast() {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw BundleError.system("create", path) }
        }
    }

    /// Writes `text` to the new file `path` and flushes it.
    static func writeFile(_ path: String, _ text: String) throws(BundleError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BundleError.system("create", path) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let total = bytes.count
        var written = 0
        while written < total {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + written }, total - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BundleError.system("write", path)
            }
            written += n
        }
        guard fsync(descriptor) == 0 else { throw BundleError.system("flush", path) }
    }

    /// Reads a whole file of at most `limit` bytes (`HostFiles.readSmallFile`).
    public static func readSmallFile(_ path: String, limit: Int) throws(BundleError) -> [UInt8] {
        do { return try HostFiles.readSmallFile(path, limit: limit) } catch { throw BundleError("\(error)") }
    }

    /// The names in folder `path` (without `.` and `..`), at most `maximumTreeEntries`
    /// (`HostFiles.list`).
    static func list(_ path: String) throws(BundleError) -> [String] {
        do { return try HostFiles.list(path, limit: maximumTreeEntries) } catch { throw BundleError("\(error)") }
    }

    /// Removes `path` and, for a folder, everything below it, never following symbolic links.
    /// Best effort: what cannot be removed stays.
    public static func removeTree(_ path: String, depth: Int = 0) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR, depth < maximumTreeDepth {
            for name in (try? list(path)) ?? [] { removeTree(path + "/" + name, depth: depth + 1) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Removes the empty folders at and below `path` (the root too unless `keepRoot`).
    static func removeEmptyFolders(_ path: String, keepRoot: Bool = false, depth: Int = 0) throws(BundleError) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, depth < maximumTreeDepth else { return }
        for name in try list(path) { try removeEmptyFolders(path + "/" + name, depth: depth + 1) }
        if !keepRoot, (try list(path)).isEmpty { rmdir(path) }
    }

    /// `fsync` of `path` and every folder below it.
    static func syncFolders(_ path: String, depth: Int) throws(BundleError) {
        guard depth < maximumTreeDepth else { return }
        for name in try list(path) {
            var info = stat()
            let child = path + "/" + name
            if lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { try syncFolders(child, depth: depth + 1) }
        }
        syncFolder(path)
    }

    /// `fsync` of one folder, so that the names in it survive a crash.
    static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// `renameat2(2)`'s signature.
    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
    /// `RENAME_NOREPLACE` from `<linux/fs.h>`: fail rather than replace the target.
    static let renameNoReplaceFlag: UInt32 = 1
    /// glibc's `renameat2`, looked up at run time: the C library module does not export it.
    static let renameat2: RenameAt2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    /// Renames `from` to `to` unless something exists at `to` (`renameat2` with
    /// `RENAME_NOREPLACE`; where the file system lacks it, a check then `rename`, which for a
    /// folder still refuses a non-empty target).
    static func renameNoReplace(_ from: String, _ to: String) -> Bool {
        if let renameat2 = BundleStage.renameat2 {
            if renameat2(AT_FDCWD, from, AT_FDCWD, to, renameNoReplaceFlag) == 0 { return true }
            guard errno == EINVAL || errno == ENOSYS else { return false }
        }
        var info = stat()
        if lstat(to, &info) == 0 {
            errno = EEXIST
            return false
        }
        return rename(from, to) == 0
    }
}
