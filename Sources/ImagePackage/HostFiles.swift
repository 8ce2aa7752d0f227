#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DiskImage

/// The few file-system questions koopack asks of the host, answered with plain system calls:
/// the one place that lists a folder or reads a small file whole, each with a limit.
public enum HostFiles {
    /// Most names `list` returns: real folders hold a handful of images or a bundle's files; a
    /// hostile one cannot make koopack hold millions of names.
    public static let maximumListedNames = 1_000_000

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

    /// The names in a directory, without `.` and `..`, in the order the file system gives them.
    /// Throws `.io` when the directory cannot be listed, `.limit` when it holds more than `limit`
    /// names.
    public static func list(_ directory: String, limit: Int = maximumListedNames) throws -> [String] {
        guard let handle = opendir(directory) else {
            throw ImageError(.io, file: directory, "cannot list: \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != "." && name != ".." else { continue }
            guard names.count < limit else {
                throw ImageError(.limit, file: directory, "holds more than \(limit) names")
            }
            names.append(name)
        }
        return names
    }

    /// The whole file, when it is no larger than `limit` bytes. Read until its end rather than
    /// by its stated size, so a pipe (`<(...)`) or a file that grows is read as it is, and
    /// never more than `limit` bytes are held. Throws `.io` when it cannot be opened or read,
    /// `.limit` when it is larger.
    public static func readSmallFile(_ path: String, limit: Int) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ImageError(.io, file: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        // A regular file is read straight into an array of its stated size (plus a byte, to see
        // that it ends there): a 13 MB image list was read in 64 KiB pieces and copied once more.
        var info = stat()
        if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            let expected = min(Int(max(0, info.st_size)), limit)
            var failure: Int32 = 0
            bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
                while count < buffer.count {
                    let n = read(descriptor, buffer.baseAddress! + count, buffer.count - count)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno; return }
                    if n == 0 { return }
                    count += n
                }
            }
            if failure != 0 {
                throw ImageError(.io, file: path, offset: UInt64(bytes.count), "read failed: \(String(cString: strerror(failure)))")
            }
            guard bytes.count <= limit else {
                throw ImageError(.limit, file: path, "is larger than the \(limit)-byte limit for this kind of file")
            }
            if bytes.count <= expected { return bytes }
            // It grew since it was stat'ed: read on as from a pipe.
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError(.io, file: path, offset: UInt64(bytes.count), "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else {
                throw ImageError(.limit, file: path, "is larger than the \(limit)-byte limit for this kind of file")
            }
            bytes += chunk[0..<n]
        }
    }
}
