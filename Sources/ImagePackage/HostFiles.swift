#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DiskImage

/// The few file-system questions finding images needs, answered with plain system calls.
public enum HostFiles {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The file's size in bytes, nil when it cannot be stat'ed.
    public static func size(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(max(0, info.st_size))
    }

    /// The names in a directory, without `.` and `..`.
    public static func list(_ directory: String) throws -> [String] {
        guard let handle = opendir(directory) else {
            throw ImageError(.io, file: directory, "cannot list: \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The whole file, when it is no larger than `limit` bytes.
    public static func readSmallFile(_ path: String, limit: Int) throws -> [UInt8] {
        let source = try FileByteSource(path: path)
        guard source.size <= UInt64(limit) else {
            throw ImageError(.limit, file: path, "is \(source.size) bytes, larger than the \(limit)-byte limit for this kind of file")
        }
        return try source.read(at: 0, count: Int(source.size))
    }
}
