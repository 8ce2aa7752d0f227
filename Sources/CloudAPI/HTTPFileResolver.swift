import DiskImage

/// Opens an image at a URL and the files it names (backing files, VMDK extents) through range
/// requests, for `ImageInspector(resolver:)`.
///
/// The inspector joins a related name to the image's name as QEMU does (`FilePaths.combine`),
/// which for a URL gives `https://host/dir/NAME`. This resolver takes the raw name back out of
/// that and resolves it with `HTTPURL.resolvingRelativeName`: on the image's host only, each
/// segment percent-encoded; an absolute path or another scheme is an error, and a presigned
/// image's neighbours are not opened (the error says so, and the inspector makes it a warning).
/// Sizes on the host are unknown (`actual-size` is absent, as qemu-img reports remote files).
public struct HTTPFileResolver: FileResolver {
    /// The image's URL, exactly as given (its query kept for the requests).
    public let image: HTTPURL
    public let client: HTTPClient
    public let blockSize: Int
    /// The name to give the inspector for the image: its URL without the query, so that no
    /// report, warning or error shows a presigned signature; `open` maps it back to `image`.
    public var imageName: String { image.description }

    public init(image: HTTPURL, client: HTTPClient, blockSize: Int = 256 << 10) {
        self.image = image
        self.client = client
        self.blockSize = blockSize
    }

    public func open(_ path: String) throws -> any ByteSource {
        try HTTPRangeSource(url: try url(of: path), client: client, blockSize: blockSize)
    }

    /// The URL `path` stands for: the image itself, or a name relative to it.
    public func url(of path: String) throws -> HTTPURL {
        if path == imageName || path == image.absoluteString { return image }
        let name = relativeName(path)
        do {
            switch try image.resolvingRelativeName(name) {
            case let .url(url): return url
            case let .notOpened(reason): throw ImageError(.invalid, file: FilePaths.lastComponent(name), reason)
            }
        } catch let error as CloudAPIError {
            throw ImageError(.invalid, file: FilePaths.lastComponent(name), error.message)
        }
    }

    /// The name as the image's header gave it, out of `FilePaths.combine(base: imageName, name)`.
    private func relativeName(_ path: String) -> String {
        if let slash = imageName.lastIndex(of: "/") {
            let directory = imageName[...slash]
            if path.hasPrefix(directory) { return String(path.dropFirst(directory.count)) }
        }
        return path
    }

    public func allocatedSize(of path: String) -> UInt64? { nil }

    public func canonicalPath(_ path: String) -> String? { (try? url(of: path))?.absoluteString }
}
