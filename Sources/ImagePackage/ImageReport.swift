import DiskImage

/// One input read once, by the one route every command takes: where it was found, with its IMS
/// metadata and package facts (`input`), its header facts and guest view (`info`), and its
/// guest's disk, opened once, for whoever reads the guest's files. `check`, `scan` and `bundle`
/// consume it; nothing below it opens an input again.
public struct ImageReport: Sendable {
    /// The input as discovery found it: name, origin, metadata, package bytes and facts.
    public var input: ImageInput
    /// The header facts, the backing chain, and the guest view when it was read.
    public var info: ImageInfo
    /// The guest's disk (with its view, or why the view could not be read), or why the disk
    /// could not be opened; nil when the guest was not asked for.
    public var guest: Result<OpenedGuest, ImageError>?

    public init(input: ImageInput, info: ImageInfo, guest: Result<OpenedGuest, ImageError>?) {
        self.input = input
        self.info = info
        self.guest = guest
    }

    /// Reads `input`: its header and backing chain and, when `readGuest`, its guest's disk and
    /// guest view, from a file, from an archive member or from a URL (by range requests; its
    /// package bytes are set once its files are opened). An archive member's related files
    /// (backing, extents) cannot be opened: its header still names them, which is what the
    /// self-containment rule needs. A guest that cannot be read is a warning in `info` and a
    /// failure in `guest`, never an error: the header facts still stand. Throws an `ImageError`
    /// naming the input when its header cannot be read at all, or when finding it failed
    /// (`input.unreadable`). `inspector` reads files (its resolver finds related files).
    public static func read(_ input: ImageInput, readGuest: Bool,
                            inspector: ImageInspector = ImageInspector()) throws -> ImageReport {
        if let problem = input.unreadable { throw problem }
        do {
            switch input.origin {
            case let .file(path):
                guard readGuest else { return ImageReport(input: input, info: try inspector.inspect(path: path), guest: nil) }
                let (info, guest) = try inspector.inspectWithGuest(path: path)
                return ImageReport(input: input, info: info, guest: guest)
            case let .url(remote):
                var read = input
                let inspector = remote.inspector
                let report: ImageReport
                if readGuest {
                    let (info, guest) = try inspector.inspectWithGuest(path: remote.name)
                    report = ImageReport(input: read, info: info, guest: guest)
                } else {
                    report = ImageReport(input: read, info: try inspector.inspect(path: remote.name), guest: nil)
                }
                read.packageBytes = remote.packageBytes(backingChain: report.info.backingChain)
                return ImageReport(input: read, info: report.info, guest: report.guest)
            case let .archiveMember(_, member):
                let inMemory = ImageInspector(resolver: NoRelatedFiles())
                var info = try inMemory.inspectHeader(member.source, filename: input.displayName)
                info.actualSize = member.size
                guard readGuest else { return ImageReport(input: input, info: info, guest: nil) }
                let guest: Result<OpenedGuest, ImageError>
                do {
                    let (_, disk) = try inMemory.openGuest(member.source, filename: input.displayName)
                    guest = .success(try OpenedGuest(disk: disk))
                } catch let error as ImageError {
                    guest = .failure(error)
                }
                info.take(guest, notRead: "guest disk not read inside the archive")
                return ImageReport(input: input, info: info, guest: guest)
            case let .ims(region):
                throw ImageError(.invalid, file: input.displayName, "an image in IMS (\(region)) has no file to read: it is judged by its metadata")
            }
        } catch let error as ImageError {
            throw error.attributed(to: input.displayName)
        }
    }
}
