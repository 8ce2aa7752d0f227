/// What an image read from an archive or from memory sees: no files beside it. A backing
/// file, extent or data file it names cannot be opened, and says so; the header that names
/// it is still read.
public struct NoRelatedFiles: FileResolver {
    public init() {}

    public func open(_ path: String) throws -> any ByteSource {
        throw ImageError(.unsupported, file: path, "is outside the archive and cannot be read from inside it")
    }

    public func allocatedSize(of path: String) -> UInt64? { nil }
    public func canonicalPath(_ path: String) -> String? { nil }
}
