/// Path arithmetic the way QEMU does it for backing files and extents: plain text, no access to
/// the file system.
public enum FilePaths {
    /// `name` resolved against the directory of `base`: absolute names stay as they are; relative
    /// ones replace the last component of `base` (QEMU's `path_combine`).
    public static func combine(base: String, _ name: String) -> String {
        if name.hasPrefix("/") || name.isEmpty { return name }
        guard let slash = base.lastIndex(of: "/") else { return name }
        return String(base[...slash]) + name
    }

    /// The last path component.
    public static func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The extension after the last dot of the last component, lower-cased, or "".
    public static func pathExtension(_ path: String) -> String {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}
