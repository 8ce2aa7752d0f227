/// What a format's probe sees: the first bytes of the file, its name, and the source itself for
/// the few formats whose signature is elsewhere (ISO at 32 KiB, a fixed VHD's footer at the end).
public struct ProbeInput: Sendable {
    /// Up to `ProbeInput.headLength` bytes from offset 0.
    public let head: ByteWindow
    /// The file name as given, for extension-based recognition (ZVHD) and messages.
    public let filename: String
    public let source: any ByteSource

    /// How much of the file's start every probe gets: one 4 KiB read holds every magic number
    /// koopack probes for at offset 0 (the ISO and fixed-VHD probes read their own sectors), and
    /// a probe never reads more of a file than this.
    public static let headLength = 4096
}

/// One disk image format: how to recognise it, read its header, and read the guest's disk
/// through its block map. Each format lives in its own file under `Formats/`.
public protocol ImageFormat: Sendable {
    /// QEMU's name for the format (koopack's where QEMU has none).
    static var name: String { get }
    /// How sure this format is that the input is one of its own: 0 not at all, 100 certain.
    /// Mirrors QEMU's probe scores: a magic number gives 100, an extension alone less.
    static func probe(_ input: ProbeInput) -> Int
    /// Reads the header. Throws `ImageError` with the offset for anything damaged beyond use.
    static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo
    /// The guest's disk as a byte source: guest offset in, guest data out. `backing` is the
    /// guest view of the backing file (already opened by the caller) or nil, in which case
    /// unallocated ranges read as zeros.
    static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                          backing: (any ByteSource)?) throws -> any ByteSource
}

/// How a parser reaches files other than the one it was given (VMDK extents, separate
/// descriptors, backing files, external data files), and which name to give in messages.
public struct InspectContext: Sendable {
    /// The image's file name as the user gave it; relative names resolve against its directory.
    public var filename: String
    /// Opens related files; nil when there are none to be had (an archive member, a fuzzer input).
    public var resolver: (any FileResolver)?

    public init(filename: String, resolver: (any FileResolver)?) {
        self.filename = filename
        self.resolver = resolver
    }

    /// Opens `name` as written in the image, relative to this image's directory.
    public func openRelated(_ name: String) throws -> (path: String, source: any ByteSource) {
        let path = FilePaths.combine(base: filename, name)
        guard let resolver else {
            throw ImageError(.unsupported, "\(name): cannot be opened here (no file system to resolve it)")
        }
        return (path, try resolver.open(path))
    }
}

/// Opens files by path, and tells how much of the host disk a file occupies.
public protocol FileResolver: Sendable {
    func open(_ path: String) throws -> any ByteSource
    /// Allocated bytes on the host (`st_blocks` × 512), nil when unknown.
    func allocatedSize(of path: String) -> UInt64?
    /// A canonical name for loop detection (the real path), nil when the file does not exist.
    func canonicalPath(_ path: String) -> String?
    /// `allocatedSize(of:)` of a file this resolver has just opened as `source`, for resolvers
    /// that learnt it when opening (no second `stat`).
    func allocatedSize(of path: String, opened source: any ByteSource) -> UInt64?
}

extension FileResolver {
    public func allocatedSize(of path: String, opened source: any ByteSource) -> UInt64? {
        allocatedSize(of: path)
    }
}
