import DiskImage
import ImagePackage
import QuotaLedger
import ReleaseBundle
import ReleasePolicy

/// How `audit` reads its inputs: its paths, a release's images and the ledger's register.
enum AuditInputs {
    /// A JSON list file, a folder of them (and of sidecars), or an image file with its sidecar.
    /// `documents` holds list files already read (`readDocuments`); any other is read here.
    static func add(_ path: String, region: String?, to account: inout ImageAccount,
                    documents: [String: Result<ImageAccount.Document, any Error>] = [:]) throws {
        if HostFiles.isDirectory(path) {
            for name in try HostFiles.list(path).sorted() where FilePaths.pathExtension(name) == "json" {
                try addDocument(path + "/" + name, region: region, to: &account, documents: documents)
            }
        } else if FilePaths.pathExtension(path) == "json" {
            try addDocument(path, region: region, to: &account, documents: documents)
        } else {
            for input in try ImageDiscovery.discover(path, options: DiscoveryOptions()) {
                guard let metadata = input.metadata else {
                    throw ImageError(.invalid, file: input.displayName, "has no IMS metadata sidecar (NAME.json), so its state cannot be told")
                }
                try account.add(image: metadata, region: region, source: input.displayName)
            }
        }
    }

    static func addDocument(_ path: String, region: String?, to account: inout ImageAccount,
                            documents: [String: Result<ImageAccount.Document, any Error>]) throws {
        let document = try documents[path]?.get() ?? readDocument(path)
        try account.add(document, region: region)
    }

    /// Every list file `paths` name (directly or in a folder), read and parsed on all cores, by
    /// path: parsing is most of an audit's work, and an account comes in one file per region.
    /// They are added to the account afterwards, in order, so the result is the same. The work
    /// runs on threads of its own, so the caller can read its other inputs meanwhile.
    static func readDocumentsInBackground(_ paths: [String]) async -> [String: Result<ImageAccount.Document, any Error>] {
        let files = listFiles(paths)
        let read: [Result<ImageAccount.Document, any Error>] = await ParallelWork.mapInBackground(files) { file in
            Result { try readDocument(file) }
        }
        return Dictionary(zip(files, read), uniquingKeysWith: { first, _ in first })
    }

    /// The list files `paths` name, directly or in a folder, in order.
    static func listFiles(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            if HostFiles.isDirectory(path) {
                let names = (try? HostFiles.list(path).sorted()) ?? []
                files += names.filter { FilePaths.pathExtension($0) == "json" }.map { path + "/" + $0 }
            } else if FilePaths.pathExtension(path) == "json" {
                files.append(path)
            }
        }
        return files
    }

    static func readDocument(_ path: String) throws -> ImageAccount.Document {
        try ImageAccount.read(document: try HostFiles.readSmallFile(path, limit: ImageAccount.maximumDocumentBytes), file: path)
    }

    /// The IMS image IDs a release names: given as IDs, or in its images' metadata sidecars
    /// (which join the account, so an image that is in no list is still judged).
    static func imageIDs(of release: Release, account: inout ImageAccount) throws -> [String] {
        var ids: [String] = []
        for specification in release.specifications {
            switch specification.image.source {
            case let .imsID(id):
                ids.append(id)
            case let .file(file):
                let options = DiscoveryOptions(metadataFile: specification.image.metadata?.path)
                for input in try ImageDiscovery.discover(file.path, options: options) {
                    guard let metadata = input.metadata, let id = metadata.id else {
                        throw ImageError(.invalid, file: release.file, "specification \(specification.name): image \(file.written) has no IMS metadata with an id")
                    }
                    ids.append(id)
                    if account.image(id: id) == nil {
                        try account.add(image: metadata, region: specification.regions.first, source: input.metadataFile ?? file.path)
                    }
                }
            }
        }
        return ids
    }

    /// The release register of the ledger (the one named, or the default one when it exists):
    /// its bundled images, each with whether its bundle was recorded as uploaded, as the audit
    /// counts them (`ReleaseRegister(bundled:)`).
    static func ledgerRegister(_ named: String?) throws -> ReleaseRegister {
        let path = named ?? Ledger.defaultPath().flatMap { HostFiles.exists($0) ? $0 : nil }
        guard let path else { return ReleaseRegister() }
        let opened = try Ledger(path: path)
        var uploaded: [String: Bool] = [:]
        var bundled: [BundledImage] = []
        for record in try opened.releases() {
            if uploaded[record.bundleID] == nil {
                uploaded[record.bundleID] = try opened.reservations(bundleID: record.bundleID).contains { $0.state == .uploaded }
            }
            bundled.append(BundledImage(imageID: record.imageID, productID: record.productID, bundleID: record.bundleID,
                                        uploaded: uploaded[record.bundleID] == true))
        }
        return ReleaseRegister(bundled: bundled)
    }

    /// Whether every image of a release (`ids`) is releasable in `report`; each one that is not,
    /// or is in none of the lists, is diagnosed naming the `release` file.
    static func allReleasable(_ ids: [String], in report: AuditReport, release: String) -> Bool {
        var releasable = true
        let entries = ids.isEmpty ? [:] : Dictionary(report.entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for id in ids {
            guard let entry = entries[id] else {
                Terminal.diagnose("\(release): image \(id) is not in the lists given, so its state is unknown")
                releasable = false
                continue
            }
            if entry.state != .releasable {
                Terminal.diagnose("\(release): image \(id) (\(entry.name ?? "unnamed")) is \(entry.state.rawValue), not releasable: \(entry.nextStep)")
                releasable = false
            }
        }
        return releasable
    }
}
