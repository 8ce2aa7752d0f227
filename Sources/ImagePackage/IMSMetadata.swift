import DiskImage

/// The IMS metadata of one image, as a seller exports it beside the image file: one object of
/// `GET /v2/cloudimages` (OpenStack Glance fields plus Huawei's `__`-prefixed ones), plus koopack's
/// own sidecar keys `region` and `released`.
///
/// Every key is kept, in file order, in `fields`; the typed accessors read the fields koopack's
/// release rules use. Each known key is checked when the metadata is made, so an accessor never
/// meets a value of the wrong shape: a present key of the wrong type is an error naming the file
/// and the key, not a silently ignored field.
public struct IMSMetadata: Sendable {
    /// Every key of the image object, in the order the file gave them.
    public private(set) var fields: [(String, JSONValue)]
    /// Each known key's value converted to its kind once, at init, in the key's slot
    /// (`IMSKey.rawValue`): accessors read it from here. An array indexed by an enum, not a
    /// dictionary: an audit makes tens of thousands of these and reads each many times, and
    /// hashing key names was most of the time it spent checking metadata.
    private let values: [IMSFieldValue?]
    /// The file the metadata came from, for messages.
    public let file: String

    /// Makes the metadata from an image object's members, checking every known key's type.
    /// Throws an `ImageError` naming `file` and the key, e.g.
    /// `web.json: key "min_disk": expected an integer, found the string "forty"`.
    public init(fields: [(String, JSONValue)], file: String) throws {
        var values = [IMSFieldValue?](repeating: nil, count: IMSKey.allCases.count)
        var seen: UInt64 = 0  // a bit per IMSKey (fewer than 64)
        // Read in place: iterating copied (retained) every key and value of every image.
        try fields.withUnsafeBufferPointer { fields in
            for field in fields.indices {
                guard let known = IMSField.key(named: fields[field].0) else { continue }
                let bit: UInt64 = 1 << UInt64(known.rawValue)
                let first = seen & bit == 0
                seen |= bit
                do {
                    let converted = try known.kind.convert(fields[field].1)
                    if first, let converted { values[known.rawValue] = converted }
                } catch let problem as IMSFieldProblem {
                    throw ImageError(.invalid, file: file, "key \"\(fields[field].0)\": \(problem.message)")
                }
            }
        }
        self.fields = fields
        self.file = file
        self.values = values
    }

    /// The largest metadata document koopack reads. An IMS list response of a few thousand images
    /// is a few MiB; 16 MiB bounds memory while leaving room for every real export.
    public static let maximumDocumentBytes = 16 << 20

    /// The most image objects one document may hold; bounds the work of checking them.
    public static let maximumImagesPerDocument = 100_000

    /// Reads a metadata document: one image object, a JSON array of them, or an IMS list response
    /// `{"images": [...]}`. Errors name `file` and, for syntax errors, the line and column.
    public static func parseDocument(_ bytes: [UInt8], file: String) throws -> [IMSMetadata] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes, maximumInputBytes: maximumDocumentBytes)
        } catch let error as ImageError {
            throw error.attributed(to: file)
        }
        let objects: [JSONValue]
        let listed: Bool
        switch root {
        case let .array(items):
            objects = items
            listed = true
        case .object:
            if case let .array(items)? = root["images"] {
                objects = items
                listed = true
            } else {
                objects = [root]
                listed = false
            }
        default:
            throw ImageError(.invalid, file: file,
                             "expected an image object, an array of them or {\"images\": [...]}, found \(IMSField.describe(root))")
        }
        guard objects.count <= maximumImagesPerDocument else {
            throw ImageError(.limit, file: file, "\(objects.count) images in one document, more than the limit of \(maximumImagesPerDocument)")
        }
        var images: [IMSMetadata] = []
        for (number, object) in zip(1..., objects) {
            guard case let .object(members) = object else {
                throw ImageError(.invalid, file: file, "image \(number): expected an image object, found \(IMSField.describe(object))")
            }
            do {
                images.append(try IMSMetadata(fields: members, file: file))
            } catch let error as ImageError where listed {
                throw ImageError(error.kind, file: file, "image \(number): \(error.message)")
            }
        }
        return images
    }

    /// Chooses the metadata that describes one image file: the object whose `id` is `imageID`;
    /// else the one whose `name` equals the file's name with or without its extension; else the
    /// only object of the list. Nil when none of these picks exactly one.
    public static func pick(from images: [IMSMetadata], imageID: String?, imageFileName: String?) -> IMSMetadata? {
        if let imageID, let match = images.first(where: { $0.id == imageID }) {
            return match
        }
        if let imageFileName {
            let base = imageFileName.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? imageFileName
            var candidates: Set<String> = [base]
            if let dot = base.lastIndex(of: "."), dot != base.startIndex {
                candidates.insert(String(base[..<dot]))
            }
            let matches = images.filter { image in image.name.map { candidates.contains($0) } ?? false }
            if matches.count == 1 { return matches[0] }
        }
        return images.count == 1 ? images[0] : nil
    }

    /// The raw value of `key`, when present.
    public subscript(key: String) -> JSONValue? {
        // Keys of another length are passed over without comparing text: lookups of keys an
        // image does not have (`__support_arm`) went through every field of every image.
        let length = key.utf8.count
        for i in fields.indices where fields[i].0.utf8.count == length && fields[i].0 == key {
            return fields[i].1
        }
        return nil
    }

    /// The keys this image carries that koopack has no typed accessor for.
    public var unknownFields: [(String, JSONValue)] {
        fields.filter { field in IMSField.key(named: field.0).map { $0.kind == .raw } ?? true }
    }

    /// The value of a key the rules read as it is (`__support_arm`, `architecture`,
    /// `__lazyloading`), as `self[key.name]` gives it but without a search; nil when absent or null.
    func raw(_ key: IMSKey) -> JSONValue? {
        if case let .raw(value)? = converted(key) { return value }
        return nil
    }

    /// The checked value of `key`. Keys were checked at init, so a failure here cannot happen; it
    /// reads as absent.
    func converted(_ key: IMSKey) -> IMSFieldValue? { values[key.rawValue] }

    func string(_ key: IMSKey) -> String? {
        if case let .text(s)? = converted(key) { return s }
        return nil
    }

    /// The boolean value of a known true/false or "1"/"0" key (`__whole_image`,
    /// `__system__encrypted`, ...), nil when absent or not such a key.
    public func flag(_ key: String) -> Bool? {
        IMSField.key(named: key).flatMap(flag)
    }

    func flag(_ key: IMSKey) -> Bool? {
        if case let .flag(b)? = converted(key) { return b }
        return nil
    }

    func count(_ key: IMSKey) -> UInt64? {
        if case let .count(n)? = converted(key) { return n }
        return nil
    }
}
