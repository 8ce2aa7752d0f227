import DiskImage

/// One image to judge, wherever it was found, with the IMS metadata that goes with it.
public struct ImageInput: Sendable {
    /// Where the image's bytes are.
    public enum Origin: Sendable {
        /// A file on disk; related files (extents, backing files) resolve beside it.
        case file(path: String)
        /// A member of an archive, kept in memory from the stream.
        case archiveMember(archive: String, member: ArchiveMember)
        /// An image in IMS, known by its metadata alone: there is no file to read.
        case ims(region: String)
        /// An image at an `https://` or `http://` URL, read by range requests; related files
        /// resolve as URLs on the same host.
        case url(RemoteImage)
    }

    /// How messages and reports name the image: its path, or `archive:member`.
    public var displayName: String
    public var origin: Origin
    /// The image's IMS metadata, from a sidecar, `--metadata`, or a JSON member of the archive.
    public var metadata: IMSMetadata?
    /// Where the metadata came from, for messages.
    public var metadataFile: String?
    /// Bytes of every file of the image package (an image's extents included).
    public var packageBytes: UInt64
    /// Problems found while finding the image that are not fatal (a hostile member name).
    public var warnings: [String] = []
    /// Why this image cannot be judged (its sidecar is damaged), when finding it failed but the
    /// other images of the same folder can still be judged.
    public var unreadable: ImageError? = nil
    /// How many data disk images travel with this one in its package (the same folder or
    /// archive): a fact of the package, counted once when the images are found.
    public var dataDiskCount: Int = 0
}

extension ImageInput {
    /// The image file at `path` with `metadata`, found by its path alone (no sidecar is looked
    /// for, no package is counted).
    public init(file path: String, metadata: IMSMetadata? = nil) {
        self.init(displayName: path, origin: .file(path: path), metadata: metadata, metadataFile: nil,
                  packageBytes: HostFiles.size(path) ?? 0)
    }
}

/// Options that say where metadata comes from when no sidecar says it.
public struct DiscoveryOptions: Sendable {
    /// A metadata file for every image given (one object, a list, or `{"images": [...]}`).
    public var metadataFile: String?
    /// Picks the image out of a list by ID.
    public var imageID: String?

    public init(metadataFile: String? = nil, imageID: String? = nil) {
        self.metadataFile = metadataFile
        self.imageID = imageID
    }
}

/// Turns command-line arguments (image files, directories, archives) into images to judge,
/// each paired with its metadata.
public enum ImageDiscovery {
    /// Names that are never images in a folder or archive: metadata and bundle files.
    static func isCompanionFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        let ext = FilePaths.pathExtension(lower)
        return ["json", "yaml", "yml", "txt", "md", "pdf", "docx", "mf", "ovf", "sha256", "sig", "asc"].contains(ext)
            || lower == "sha256sums" || lower.hasPrefix(".")
    }

    /// The images an argument names. Throws an `ImageError` when the argument cannot be read at
    /// all (missing, unreadable, a damaged archive, an image file whose metadata is damaged); in
    /// a folder, an image whose sidecar is damaged comes back with `unreadable` set instead.
    public static func discover(_ argument: String, options: DiscoveryOptions) throws -> [ImageInput] {
        if RemoteImage.isURL(argument) { return [try urlInput(argument, options: options)] }
        let files = HostFiles.self
        guard files.exists(argument) else { throw ImageError(.io, file: argument, "no such file or directory") }
        if files.isDirectory(argument) {
            return countingDataDisks(try discoverDirectory(argument, options: options), isOVA: false)
        }
        let source = try FileByteSource(path: argument)
        let head = try source.read(at: 0, count: 512)
        if ArchiveReader.looksLikeArchive(head, filename: argument) {
            return countingDataDisks(try discoverArchive(argument, options: options),
                                     isOVA: FilePaths.pathExtension(argument) == "ova")
        }
        return [try fileInput(argument, options: options)]
    }

    /// `package` with each image's `dataDiskCount`: the package's images whose metadata says
    /// `DataImage` travel with every other image, and in an OVA every disk after the first does
    /// too (the OVF convention puts the system disk first). A data disk carries none.
    static func countingDataDisks(_ package: [ImageInput], isOVA: Bool) -> [ImageInput] {
        guard package.count > 1 else { return package }
        let marked = package.filter { $0.metadata?.virtualEnvType == "DataImage" }.count
        return package.enumerated().map { index, input in
            var counted = input
            if input.metadata?.virtualEnvType != "DataImage" {
                counted.dataDiskCount = isOVA && index == 0 ? max(marked, package.count - 1) : marked
            }
            return counted
        }
    }

    /// An image file with its sidecar (`NAME.json` or `NAME.EXT.json`) or `--metadata`.
    static func fileInput(_ path: String, options: DiscoveryOptions) throws -> ImageInput {
        var input = ImageInput(displayName: path, origin: .file(path: path), metadata: nil, metadataFile: nil,
                               packageBytes: HostFiles.size(path) ?? 0)
        let candidates = options.metadataFile.map { [$0] } ?? sidecarNames(for: path).filter(HostFiles.exists)
        if let metadataPath = candidates.first {
            let bytes = try HostFiles.readSmallFile(metadataPath, limit: ArchiveReader.maxMetadataBytes)
            let documents = try IMSMetadata.parseDocument(bytes, file: metadataPath)
            input.metadata = IMSMetadata.pick(from: documents, imageID: options.imageID,
                                              imageFileName: FilePaths.lastComponent(path))
            input.metadataFile = metadataPath
            if input.metadata == nil {
                input.warnings.append("\(metadataPath) holds no image matching \(options.imageID.map { "ID \($0)" } ?? FilePaths.lastComponent(path))")
            }
        }
        return input
    }

    /// An image at a URL, named without its query, with `--metadata` (a sidecar beside a URL is
    /// not looked for: a presigned URL cannot sign it). Its package bytes are known once it is
    /// read (`ImageReport.read`).
    static func urlInput(_ argument: String, options: DiscoveryOptions) throws -> ImageInput {
        let remote = try RemoteImage(argument)
        var input = ImageInput(displayName: remote.name, origin: .url(remote), metadata: nil, metadataFile: nil, packageBytes: 0)
        if let metadataPath = options.metadataFile {
            let bytes = try HostFiles.readSmallFile(metadataPath, limit: ArchiveReader.maxMetadataBytes)
            let documents = try IMSMetadata.parseDocument(bytes, file: metadataPath)
            input.metadata = IMSMetadata.pick(from: documents, imageID: options.imageID, imageFileName: remote.fileName)
            input.metadataFile = metadataPath
            if input.metadata == nil {
                input.warnings.append("\(metadataPath) holds no image matching \(options.imageID.map { "ID \($0)" } ?? remote.fileName)")
            }
        }
        return input
    }

    /// `disk.qcow2` → `disk.qcow2.json`, `disk.json`.
    static func sidecarNames(for path: String) -> [String] {
        var names = [path + ".json"]
        let name = FilePaths.lastComponent(path)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            names.append(String(path.dropLast(name.distance(from: dot, to: name.endIndex))) + ".json")
        }
        return names
    }

    /// Every image file directly in `directory`, in name order; VMDK extent files that another
    /// image's descriptor names are part of that image, not images of their own.
    static func discoverDirectory(_ directory: String, options: DiscoveryOptions) throws -> [ImageInput] {
        let names = try HostFiles.list(directory).filter { !isCompanionFile($0) }.sorted()
        let paths = names.map { directory.hasSuffix("/") ? directory + $0 : directory + "/" + $0 }
            .filter { !HostFiles.isDirectory($0) }
        var extentFiles: Set<String> = []
        var extentBytes: [String: UInt64] = [:]
        let inspector = ImageInspector()
        for path in paths where FilePaths.pathExtension(path) == "vmdk" {
            guard let info = try? inspector.inspectHeader(FileByteSource(path: path), filename: path),
                  case let .array(extents)? = info.formatSpecific?["data"]?["extents"] else { continue }
            for extent in extents {
                guard let name = extent["filename"]?.stringValue else { continue }
                let full = FilePaths.combine(base: path, FilePaths.lastComponent(name))
                if full != path {
                    extentFiles.insert(full)
                    extentBytes[path, default: 0] += HostFiles.size(full) ?? 0
                }
            }
        }
        // One image's damaged sidecar must not hide the folder's other images: it becomes an
        // input that carries its error.
        return paths.filter { !extentFiles.contains($0) }.map { path in
            do {
                var input = try fileInput(path, options: options)
                input.packageBytes += extentBytes[path] ?? 0
                return input
            } catch {
                let problem = (error as? ImageError) ?? ImageError(.io, file: path, "\(error)")
                return ImageInput(displayName: path, origin: .file(path: path), metadata: nil, metadataFile: nil,
                                  packageBytes: HostFiles.size(path) ?? 0, unreadable: problem)
            }
        }
    }

    /// Every disk image inside an archive, paired with `metadata.json` or `NAME.json` inside it.
    static func discoverArchive(_ archive: String, options: DiscoveryOptions) throws -> [ImageInput] {
        let members = try ArchiveReader.members(ofArchiveAt: archive) { name, _ in
            FilePaths.pathExtension(name) == "json"
        }
        var warnings: [String] = []
        for member in members where member.escapesItsFolder {
            warnings.append("member \(member.path) points outside the archive's folder; it was not extracted or used")
        }
        let usable = members.filter { !$0.escapesItsFolder }
        let metadataMembers = usable.filter { FilePaths.pathExtension($0.path) == "json" }
        let shared = metadataMembers.first { FilePaths.lastComponent($0.path).lowercased() == "metadata.json" }
        var inputs: [ImageInput] = []
        for member in usable where !isCompanionFile(FilePaths.lastComponent(member.path)) {
            let name = FilePaths.lastComponent(member.path)
            var input = ImageInput(displayName: "\(archive):\(member.path)",
                                   origin: .archiveMember(archive: archive, member: member),
                                   metadata: nil, metadataFile: nil, packageBytes: member.size, warnings: warnings)
            let sidecars = Set(sidecarNames(for: member.path))
            let own = metadataMembers.first { sidecars.contains($0.path) }
            if let file = options.metadataFile {
                let bytes = try HostFiles.readSmallFile(file, limit: ArchiveReader.maxMetadataBytes)
                input.metadata = IMSMetadata.pick(from: try IMSMetadata.parseDocument(bytes, file: file),
                                                  imageID: options.imageID, imageFileName: name)
                input.metadataFile = file
            } else if let chosen = own ?? shared {
                let label = "\(archive):\(chosen.path)"
                input.metadata = IMSMetadata.pick(from: try IMSMetadata.parseDocument(chosen.head, file: label),
                                                  imageID: options.imageID, imageFileName: name)
                input.metadataFile = label
            }
            inputs.append(input)
        }
        if inputs.isEmpty {
            throw ImageError(.invalid, file: archive, "archive holds no disk image" + (warnings.isEmpty ? "" : " (\(warnings.joined(separator: "; ")))"))
        }
        return inputs
    }
}
