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
            if let misnamed = ZVHDFormat.misnamedWarning(filename: filename, format: info.format) { info.warnings.append(misnamed) }
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
    private func inspectOpened(path: String) throws -> ChainLink {
        var top = try openLink(path)
        if top.info.actualSize == nil { top.info.actualSize = resolver.allocatedSize(of: path, opened: top.source) }
        var seen: Set<String> = []
        let walk = try backingChain(below: top, seen: &seen, strict: false)
        top.info.backingChain = walk.links.map(\.info)
        top.info.warnings += walk.warnings
        return top
    }

    /// Reads the image at `path` as `inspect(path:)` does, then, when `guest` is true, what its
    /// guest disk holds. A guest that cannot be read (encrypted, no public format, a damaged
    /// block map) is a warning, not an error: the header facts still stand.
    public func inspect(path: String, guest: Bool) throws -> ImageInfo {
        guest ? try inspectWithGuest(path: path).info : try inspect(path: path)
    }

    /// `inspect(path:guest: true)`, also handing back the guest's disk opened (with its view, or
    /// why that could not be read), or why it could not be opened, for callers that read more of
    /// the guest, such as the security scan.
    public func inspectWithGuest(path: String) throws -> (info: ImageInfo, guest: Result<OpenedGuest, ImageError>) {
        let top = try inspectOpened(path: path)
        var info = top.info
        let guest: Result<OpenedGuest, ImageError>
        do {
            guest = .success(try OpenedGuest(disk: try openGuest(top).disk))
        } catch let error as ImageError {
            guest = .failure(error)
        }
        info.take(guest, notRead: "guest disk not read")
        return (info, guest)
    }

    /// Opens the guest's disk of the image at `path`, reading unallocated ranges through the
    /// backing chain. Returns the header facts too, so callers do not read them twice.
    public func openGuest(path: String) throws -> (info: ImageInfo, disk: any ByteSource) {
        try openGuest(try openLink(path))
    }

    /// Opens the guest's disk of an image that is already in memory or otherwise open; related
    /// files (backing, extents) resolve against `filename`.
    public func openGuest(_ source: any ByteSource, filename: String) throws -> (info: ImageInfo, disk: any ByteSource) {
        let (format, info) = try readHeader(source, filename: filename)
        return try openGuest(ChainLink(filename: filename, source: source, format: format, info: info))
    }

    /// One image of a backing chain, opened: its name, its bytes, the format that claims them
    /// and the header that format read.
    private struct ChainLink {
        let filename: String
        let source: any ByteSource
        let format: any ImageFormat.Type
        var info: ImageInfo
    }

    /// The image at `path`, opened and its header read; errors name `path`.
    private func openLink(_ path: String) throws -> ChainLink {
        let source: any ByteSource
        do { source = try resolver.open(path) } catch let error as ImageError { throw error.attributed(to: path) }
        let (format, info) = try readHeader(source, filename: path)
        return ChainLink(filename: path, source: source, format: format, info: info)
    }

    /// The backing chain below `top`, nearest first: each backing file opened and its header
    /// read, the one walk both the header facts and the guest's disk use. A loop (a file met
    /// twice, by canonical path, counting those already in `seen`, and `top` itself) or a chain deeper than
    /// `maxBackingDepth` is an error naming `top`. A backing file that cannot be opened or read
    /// is an error naming that file when `strict` (the guest's disk cannot be read without it),
    /// else it ends the walk with a warning (the header facts still stand).
    private func backingChain(below top: ChainLink, seen: inout Set<String>,
                              strict: Bool) throws -> (links: [ChainLink], warnings: [String]) {
        var links: [ChainLink] = []
        var current = top
        while let next = current.info.fullBackingFilename {
            // The real paths for loop detection are looked up only when there is a chain to
            // follow: they cost a getcwd and a readlink per image.
            if seen.isEmpty { seen.insert(resolver.canonicalPath(top.filename) ?? top.filename) }
            guard links.count < Self.maxBackingDepth else {
                throw ImageError(.limit, file: top.filename, "backing chain is deeper than \(Self.maxBackingDepth) images")
            }
            guard seen.insert(resolver.canonicalPath(next) ?? next).inserted else {
                throw ImageError(.loop, file: top.filename, "backing loop: \(next) appears twice in the backing chain")
            }
            do {
                current = try openLink(next)
            } catch let error as ImageError {
                if strict { throw error }
                return (links, ["backing file \(next) cannot be read: \(error.attributed(to: next).message)"])
            }
            links.append(current)
        }
        return (links, [])
    }

    /// Opens the guest of an image whose header is already read: its backing chain first, from
    /// the bottom up, each image reading unallocated ranges through the one below it.
    private func openGuest(_ top: ChainLink) throws -> (info: ImageInfo, disk: any ByteSource) {
        var seen: Set<String> = []
        var backing: (info: ImageInfo, disk: any ByteSource)?
        for link in try backingChain(below: top, seen: &seen, strict: true).links.reversed() {
            backing = try openGuest(link, over: backing)
        }
        return try openGuest(top, over: backing)
    }

    /// Opens one image of a chain over the guest of the image below it (none at the bottom).
    private func openGuest(_ link: ChainLink, over backing: (info: ImageInfo, disk: any ByteSource)?) throws -> (info: ImageInfo, disk: any ByteSource) {
        var info = link.info
        info.backingChain = backing.map { [$0.info] + $0.info.backingChain } ?? []
        let context = InspectContext(filename: link.filename, resolver: resolver)
        do {
            return (info, try link.format.openGuest(link.source, info: info, context: context, backing: backing?.disk))
        } catch let error as ImageError {
            throw error.attributed(to: link.filename)
        }
    }
}
