#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves related files on the host's file system.
public struct HostFileResolver: FileResolver {
    public init() {}

    public func open(_ path: String) throws -> any ByteSource {
        try FileByteSource(path: path)
    }

    public func allocatedSize(of path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(max(info.st_blocks, 0)) * 512
    }

    public func allocatedSize(of path: String, opened source: any ByteSource) -> UInt64? {
        (source as? FileByteSource)?.allocatedSize ?? allocatedSize(of: path)
    }

    public func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
