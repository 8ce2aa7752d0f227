#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolving the paths a `release.yaml` names: relative to the release's folder, and never
/// outside it, whether through `..` or through a symbolic link.
enum ReleasePaths {
    /// Why a path was refused.
    enum Refusal: Error, Equatable {
        case empty
        case climbsOut
        case absoluteOutside
        case symlinkOutside(String)
        case missing
        case notRegularFile
    }

    /// The real path of `path`, or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The folder holding `file`, as written (`.` when the name has no folder).
    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        if slash == file.startIndex { return "/" }
        return String(file[..<slash])
    }

    /// Whether a relative path's `..` steps climb above its starting folder.
    static func climbsAbove(_ path: String) -> Bool {
        var depth = 0
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 { return true }
        }
        return false
    }

    /// Resolves `written` against `root` (a real path) and returns the real path of an existing
    /// regular file inside `root`, or why not.
    static func resolve(_ written: String, in root: String) -> Result<String, Refusal> {
        guard !written.isEmpty else { return .failure(.empty) }
        let joined: String
        if written.hasPrefix("/") {
            joined = written
        } else {
            if climbsAbove(written) { return .failure(.climbsOut) }
            joined = root == "/" ? "/" + written : root + "/" + written
        }
        guard let real = realPath(joined) else {
            if written.hasPrefix("/") && !isInside(written, root) { return .failure(.absoluteOutside) }
            return .failure(.missing)
        }
        guard isInside(real, root) else {
            return .failure(written.hasPrefix("/") && !isInside(written, root) ? .absoluteOutside : .symlinkOutside(real))
        }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegularFile) }
        return .success(real)
    }

    /// Whether `path` is `root` itself or below it (plain text comparison of real paths).
    static func isInside(_ path: String, _ root: String) -> Bool {
        if root == "/" { return path.hasPrefix("/") }
        return path == root || path.hasPrefix(root + "/")
    }
}
