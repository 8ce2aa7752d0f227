import DiskImage
import ImagePackage

/// One image of a seller's account, as an IMS image list or a sidecar described it: its metadata,
/// the region it lives in and where koopack read it.
public struct AccountImage: Sendable {
    /// The image's IMS metadata.
    public let metadata: IMSMetadata
    /// The image's ID (`id`, never empty).
    public let id: String
    /// The region ID the image lives in, nil when nothing named one.
    public let region: String?
    /// The file the image came from, for messages and reports.
    public let source: String
    /// The image's position in its file, from 1 (1 for a single image object).
    public let position: Int
}

/// Something wrong with one image or file that did not stop the account from loading: the image
/// it concerns was skipped or merged, and the report should say so.
public struct AccountWarning: Sendable, Equatable, CustomStringConvertible {
    /// The file the warning is about.
    public let file: String
    /// What was wrong and what koopack did about it.
    public let message: String

    public var description: String { "\(file): \(message)" }
}

/// The images of a seller's account, gathered from IMS image lists (one file per region, usually)
/// and from image sidecars, keyed by image ID.
///
/// A list file is the response of `GET /v2/cloudimages` (`{"images": [...]}`, as the Huawei
/// Cloud CLI `hcloud IMS ListImages` saves it), a JSON array of image objects, or one image
/// object. The region of each image is, in order: the region given to `add`, the image's own
/// `region` key, the document's `region` key, and a region named in the file name
/// (`images-ap-southeast-3.json`, `AP-Singapore.json`).
public struct ImageAccount: Sendable {
    /// The images, in the order they were first added.
    public private(set) var images: [AccountImage] = []
    /// Images skipped or merged, and why, in the order met.
    public private(set) var warnings: [AccountWarning] = []
    /// Index of each image ID in `images`.
    private var positionByID: [String: Int] = [:]

    /// The most images one file may hold. IMS pages list responses at 1,000 images at most and a
    /// seller account holds a few thousand; 100,000 leaves room for any merged export while
    /// bounding the work one file can cause.
    public static let maximumImagesPerFile = 100_000

    /// The most images an account may gather over all its files: bounds memory and the lineage
    /// walk's work (a few hundred bytes of metadata per image).
    public static let maximumImages = 1_000_000

    /// The largest list file read: the same cap as any IMS metadata document.
    public static let maximumDocumentBytes = IMSMetadata.maximumDocumentBytes

    /// An empty account.
    public init() {}

    /// The image with ID `id`, when the account has one.
    public func image(id: String) -> AccountImage? {
        positionByID[id].map { images[$0] }
    }

    /// Makes room for `count` more images, so that adding a large account's documents one after
    /// another does not grow (and rehash) its index each time.
    public mutating func reserveCapacity(_ count: Int) {
        let total = images.count + min(max(0, count), ImageAccount.maximumImages)
        images.reserveCapacity(total)
        positionByID.reserveCapacity(total)
    }

    /// The position in `images` of the image with ID `id`, when the account has one.
    func position(id: String) -> Int? {
        positionByID[id]
    }

    /// Adds every image of one list file. `region` (console name or ID), when given, overrides
    /// whatever the document says. A file that is not JSON, or not an image, an array of them or
    /// `{"images": [...]}`, is an `ImageError` naming `file` (with line and column for syntax
    /// errors), and nothing of it is added. An image object without an `id`, or with a known key
    /// of the wrong type, is skipped with a warning naming the file and the image's position.
    public mutating func add(document bytes: [UInt8], file: String, region: String? = nil) throws {
        try add(try ImageAccount.read(document: bytes, file: file), region: region)
    }

    /// One list file read and checked, not yet added: what `read(document:file:)` gives, so the
    /// files of an account can be parsed in parallel and added in order.
    public struct Document: Sendable {
        let file: String
        /// How many image objects the document holds, skipped ones included.
        public var count: Int { entries.count }
        /// Each image object's metadata with its position from 1, or why it is skipped.
        let entries: [Entry]
        enum Entry: Sendable {
            case image(position: Int, IMSMetadata)
            case skipped(AccountWarning)
        }
        /// The region the document or its file name names, for images that name none.
        let fallbackRegion: String?
    }

    /// Parses and checks one list file without adding it (the part of `add(document:)` that
    /// needs no account). Throws as `add(document:)` does.
    public static func read(document bytes: [UInt8], file: String) throws -> Document {
        guard bytes.count <= ImageAccount.maximumDocumentBytes else {
            throw ImageError(.limit, file: file, "\(bytes.count) bytes, more than the limit of \(ImageAccount.maximumDocumentBytes) for an image list")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes, maximumInputBytes: ImageAccount.maximumDocumentBytes)
        } catch let error as ImageError {
            throw error.attributed(to: file)
        }
        var documentRegion: String?
        let objects: [JSONValue]
        switch root {
        case let .array(items):
            objects = items
        case .object:
            if case let .array(items)? = root["images"] {
                objects = items
                documentRegion = root["region"]?.stringValue
            } else {
                objects = [root]
            }
        default:
            throw ImageError(.invalid, file: file, "expected an image object, an array of them or {\"images\": [...]}, found \(ImageAccount.describe(root))")
        }
        guard objects.count <= ImageAccount.maximumImagesPerFile else {
            throw ImageError(.limit, file: file, "\(objects.count) images in one file, more than the limit of \(ImageAccount.maximumImagesPerFile)")
        }
        let fallbackRegion = documentRegion.flatMap(Regions.normalizedID) ?? ImageAccount.region(fromFileName: file)
        var entries: [Document.Entry] = []
        entries.reserveCapacity(objects.count)
        for (position, object) in zip(1..., objects) {
            guard case let .object(members) = object else {
                entries.append(.skipped(AccountWarning(
                    file: file, message: "image \(position): expected an image object, found \(ImageAccount.describe(object)); skipped")))
                continue
            }
            do {
                entries.append(.image(position: position, try IMSMetadata(fields: members, file: file)))
            } catch let error as ImageError {
                entries.append(.skipped(AccountWarning(
                    file: file, message: "image \(position)\(ImageAccount.named(object)): \(error.message); skipped")))
            }
        }
        return Document(file: file, entries: entries, fallbackRegion: fallbackRegion)
    }

    /// Adds the images of a document `read(document:file:)` gave, in the order they were in the
    /// file; `region` as for `add(document:)`.
    public mutating func add(_ document: Document, region: String? = nil) throws {
        for entry in document.entries {
            switch entry {
            case let .image(position, metadata):
                try add(metadata, position: position, source: document.file, region: region,
                        fallbackRegion: document.fallbackRegion)
            case let .skipped(warning):
                warnings.append(warning)
            }
        }
    }

    /// Adds one image that came from an image file's sidecar (or any other single source).
    /// `region`, when given, overrides the metadata's `region` key. An image without an `id` is
    /// skipped with a warning.
    public mutating func add(image metadata: IMSMetadata, region: String? = nil, source: String) throws {
        try add(metadata, position: 1, source: source, region: region,
                fallbackRegion: ImageAccount.region(fromFileName: source))
    }

    private mutating func add(_ metadata: IMSMetadata, position: Int, source: String,
                              region explicit: String?, fallbackRegion: String?) throws {
        // Made only for a warning: most images need none.
        var label: String { "image \(position)" + (metadata.name.map { " (\"\($0)\")" } ?? "") }
        guard let id = metadata.id else {
            warn(source, "\(label) has no id; skipped")
            return
        }
        let own = metadata.region.flatMap(Regions.normalizedID)
        var region = fallbackRegion
        if let explicitID = explicit.flatMap(Regions.normalizedID) {
            region = explicitID
            if let own, own != explicitID {
                warn(source, "\(label) \(id) says region \(own), but it was given as \(explicitID); \(explicitID) is used")
            }
        } else if let own {
            region = own
        }
        let image = AccountImage(metadata: metadata, id: id, region: region, source: source, position: position)
        // One hash of the ID for a new image (nearly all): insert, and put the first back for a repeat.
        if images.count < ImageAccount.maximumImages {
            if let existing = positionByID.updateValue(images.count, forKey: id) {
                positionByID[id] = existing
                repeated(image, existing: existing)
                return
            }
            images.append(image)
            return
        }
        if let existing = positionByID[id] {
            repeated(image, existing: existing)
            return
        }
        throw ImageError(.limit, file: source, "more than \(ImageAccount.maximumImages) images in the account")
    }

    /// Warns of an image whose ID the account already has at `existing`, when they differ.
    private mutating func repeated(_ image: AccountImage, existing: Int) {
        let first = images[existing]
        if !ImageAccount.sameFacts(first, image) {
            warn(image.source, "image ID \(image.id) appears in \(first.source) (image \(first.position)) and in \(image.source) (image \(image.position)) with different facts; the first is kept")
        }
    }

    private mutating func warn(_ file: String, _ message: String) {
        warnings.append(AccountWarning(file: file, message: message))
    }

    /// Whether two images say the same thing: the same region and the same fields, whatever their
    /// order.
    static func sameFacts(_ a: AccountImage, _ b: AccountImage) -> Bool {
        guard a.region == b.region, a.metadata.fields.count == b.metadata.fields.count else { return false }
        var remaining: [String: JSONValue] = [:]
        for (key, value) in a.metadata.fields { remaining[key] = value }
        for (key, value) in b.metadata.fields {
            guard let other = remaining[key], other == value else { return false }
        }
        return true
    }

    /// ` ("web")` when the object has a string `name`, for messages about images that were skipped.
    static func named(_ object: JSONValue) -> String {
        guard let name = object["name"]?.stringValue, !name.isEmpty else { return "" }
        return " (\"\(name)\")"
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .uint, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension ImageAccount {
    /// The region a list file's name names, by region ID or console name, e.g.
    /// `exports/images-ap-southeast-3.json`, `ap-southeast-3.json`, `AP-Singapore.json`,
    /// `cn_hong_kong.json`. Case, and `_` or space for `-`, do not matter; the name must stand
    /// alone between separators. Nil when the name names no known region, or more than one.
    public static func region(fromFileName path: String) -> String? {
        let base = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        var stem = canonical(base)
        if stem.hasSuffix(".json") { stem.removeLast(5) }
        let letters = Array(stem.unicodeScalars)
        var found: Set<String> = []
        for region in Site.allCases.flatMap(\.regions) {
            for spelling in [canonical(region.id), canonical(region.consoleName)] {
                if occursAlone(Array(spelling.unicodeScalars), in: letters) { found.insert(region.id) }
            }
        }
        return found.count == 1 ? found.first : nil
    }

    /// Lower case, with `_` and spaces read as `-`.
    static func canonical(_ s: String) -> String {
        String(String.UnicodeScalarView(s.lowercased().unicodeScalars.map { $0 == "_" || $0 == " " ? "-" : $0 }))
    }

    /// Whether `needle` occurs in `haystack` with no letter or digit on either side.
    static func occursAlone(_ needle: [Unicode.Scalar], in haystack: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        func isWordish(_ i: Int) -> Bool {
            guard i >= 0, i < haystack.count else { return false }
            let v = haystack[i].value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7a) || v > 0x7f
        }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            if !isWordish(start - 1) && !isWordish(start + needle.count) { return true }
        }
        return false
    }
}
