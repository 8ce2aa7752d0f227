/// Reads images: picks each file's format by probing, reads its header, follows its backing
/// chain, and opens the guest's disk. The entry point the CLI, the tests and the fuzzers share.
public struct ImageInspector: Sendable {
    /// Deepest backing chain koopack follows. QEMU sets no limit; real chains are a handful of
    /// images deep, and a chain this long is more likely a loop through differently named links.
    public static let maxBackingDepth = 32

    public let resolver: any FileResolver

    public init(resolver: any FileResolver = HostFileResolver()) {
        self.resolver = resolver
    }

    /// The format whose probe is most confident about `source` (raw when none claims it).
    public static func probe(_ source: any ByteSource, filename: String) throws -> any ImageFormat.Type {
        let head = try source.read(at: 0, count: ProbeInput.headLength)
        let input = ProbeInput(head: ByteWindow(head, at: 0), filename: filename, source: source)
        var best: (any ImageFormat.Type) = RawFormat.self
        var bestScore = 0
        for format in ImageFormats.all {
            let score = format.probe(input)
            if score > bestScore {
                best = format
                bestScore = score
            }
            // 100 is certain: no later probe can win, so none need read past the head.
            if bestScore >= 100 { break }
        }
        return best
    }

    /// Reads the header of `source` named `filename`, without following its backing chain.
    public func inspectHeader(_ source: any ByteSource, filename: String) throws -> ImageInfo {
        try readHeader(source, filename: filename).info
    }

    /// The format that claims `source`, and the header it reads: probed once, for callers that
    /// go on to open the guest through the same format.
    private func readHeader(_ source: any ByteSource, filename: String) throws -> (format: any ImageFormat.Type, info: ImageInfo) {
        let context = InspectContext(filename: filename, resolver: resolver)
        do {
            let format = try Self.probe(source, filename: filename)
            var info = try format.inspect(source, context: context)
            if let backing = info.backingFilename, info.fullBackingFilename == nil {
                info.fullBackingFilename = FilePaths.combine(base: filename, backing)
            }
            return (format, info)
        } catch let error as ImageError {
            throw error.attributed(to: filename)
        }
    }

    /// Reads the image at `path`: its header, its allocated size on the host, and the headers of
    /// its backing chain. A backing file that cannot be opened is a warning; a loop, or a chain
    /// deeper than `maxBackingDepth`, is an error.
    public func inspect(path: String) throws -> ImageInfo {
        try inspectOpened(path: path).info
    }

    /// `inspect(path:)`, also handing back the opened file and its format, so the guest can be
    /// opened without reading the header again.
    private func inspectOpened(path: String) throws -> (source: any ByteSource, format: any ImageFormat.Type, info: ImageInfo) {
        let source: any ByteSource
        do { source = try resolver.open(path) } catch let error as ImageError { throw error.attributed(to: path) }
        let (format, header) = try readHeader(source, filename: path)
        var info = header
        if info.actualSize == nil { info.actualSize = resolver.allocatedSize(of: path, opened: source) }
        // The real paths for loop detection are looked up only when there is a chain to follow:
        // they cost a getcwd and a readlink per image.
        var seen: Set<String> = []
        var current = info
        while let next = current.fullBackingFilename {
            if seen.isEmpty { seen.insert(resolver.canonicalPath(path) ?? path) }
            guard info.backingChain.count < Self.maxBackingDepth else {
                throw ImageError(file: path, "backing chain is deeper than \(Self.maxBackingDepth) images")
            }
            let key = resolver.canonicalPath(next) ?? next
            guard seen.insert(key).inserted else {
                throw ImageError(file: path, "backing loop: \(next) appears twice in the backing chain")
            }
            let parent: ImageInfo
            do {
                let parentSource = try resolver.open(next)
                parent = try inspectHeader(parentSource, filename: next)
            } catch let error as ImageError {
                info.warnings.append("backing file \(next) cannot be read: \(error.attributed(to: next).message)")
                break
            }
            info.backingChain.append(parent)
            current = parent
        }
        return (source, format, info)
    }

    /// Reads the image at `path` as `inspect(path:)` does, then, when `guest` is true, what its
    /// guest disk holds. A guest that cannot be read (encrypted, no public format, a damaged
    /// block map) is a warning, not an error: the header facts still stand.
    public func inspect(path: String, guest: Bool) throws -> ImageInfo {
        guest ? try inspectWithGuestDisk(path: path).info : try inspect(path: path)
    }

    /// `inspect(path:guest: true)`, also handing back the guest's disk, or why it could not be
    /// opened, for callers that read more of the guest, such as the security scan.
    public func inspectWithGuestDisk(path: String) throws -> (info: ImageInfo, disk: Result<any ByteSource, ImageError>) {
        let (source, format, header) = try inspectOpened(path: path)
        var info = header
        do {
            var seen: Set<String> = [resolver.canonicalPath(path) ?? path]
            let disk = try openGuest(source, format: format, header: header, filename: path, depth: 0, seen: &seen).disk
            info.guest = try GuestView.read(from: disk)
            return (info, .success(disk))
        } catch let error as ImageError {
            info.warnings.append("guest disk not read: \(error.message)")
            return (info, .failure(error))
        }
    }

    /// Opens the guest's disk of the image at `path`, reading unallocated ranges through the
    /// backing chain. Returns the header facts too, so callers do not read them twice.
    public func openGuest(path: String) throws -> (info: ImageInfo, disk: any ByteSource) {
        var seen: Set<String> = []
        return try openGuest(path: path, depth: 0, seen: &seen)
    }

    /// Opens the guest's disk of an image that is already in memory or otherwise open; related
    /// files (backing, extents) resolve against `filename`.
    public func openGuest(_ source: any ByteSource, filename: String) throws -> (info: ImageInfo, disk: any ByteSource) {
        var seen: Set<String> = [resolver.canonicalPath(filename) ?? filename]
        return try openGuest(source, filename: filename, depth: 0, seen: &seen)
    }

    private func openGuest(path: String, depth: Int, seen: inout Set<String>) throws -> (info: ImageInfo, disk: any ByteSource) {
        guard depth <= Self.maxBackingDepth else {
            throw ImageError(file: path, "backing chain is deeper than \(Self.maxBackingDepth) images")
        }
        guard seen.insert(resolver.canonicalPath(path) ?? path).inserted else {
            throw ImageError(file: path, "backing loop: \(path) appears twice in the backing chain")
        }
        let source: any ByteSource
        do { source = try resolver.open(path) } catch let error as ImageError { throw error.attributed(to: path) }
        return try openGuest(source, filename: path, depth: depth, seen: &seen)
    }

    private func openGuest(_ source: any ByteSource, filename: String, depth: Int,
                           seen: inout Set<String>) throws -> (info: ImageInfo, disk: any ByteSource) {
        let (format, header) = try readHeader(source, filename: filename)
        return try openGuest(source, format: format, header: header, filename: filename, depth: depth, seen: &seen)
    }

    /// Opens the guest of an image whose header is already read, opening its backing chain first.
    private func openGuest(_ source: any ByteSource, format: any ImageFormat.Type, header: ImageInfo, filename: String,
                           depth: Int, seen: inout Set<String>) throws -> (info: ImageInfo, disk: any ByteSource) {
        var info = header
        var backing: (any ByteSource)?
        if let next = info.fullBackingFilename {
            let parent = try openGuest(path: next, depth: depth + 1, seen: &seen)
            backing = parent.disk
            info.backingChain = [parent.info] + parent.info.backingChain
        }
        let context = InspectContext(filename: filename, resolver: resolver)
        do {
            return (info, try format.openGuest(source, info: info, context: context, backing: backing))
        } catch let error as ImageError {
            throw error.attributed(to: filename)
        }
    }
}
