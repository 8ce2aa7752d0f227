import DiskImage

/// `manifest.json` of a release bundle: the release's facts (product, pricing, regions,
/// specifications), the quota it was planned under, and every file with its size, SHA-256,
/// upload day and role. `koopack verify` proves a bundle against it; `SHA256SUMS` carries the
/// same digests for `sha256sum -c`.
public struct BundleManifest: Sendable, Equatable {
    /// The manifest format this koopack writes and reads.
    public static let formatVersion: UInt64 = 1
    /// The manifest's file name in the bundle.
    public static let fileName = "manifest.json"
    /// The checksum list's file name in the bundle.
    public static let sumsFileName = "SHA256SUMS"
    /// The largest manifest read: a hundred thousand files at about 400 bytes each, with room.
    public static let maximumBytes = 64 << 20
    /// The most files a manifest may list: a release has tens; this bounds every loop over them.
    public static let maximumFiles = 100_000

    /// One specification as the bundle records it.
    public struct SpecificationEntry: Sendable, Equatable {
        public var name: String
        /// The bundled image's name (e.g. `images/web.qcow2`), nil for an IMS image ID.
        public var imageFile: String?
        /// The IMS image ID, for a specification that names one instead of a file.
        public var imageID: String?
        /// The bundled metadata sidecar's name, when there is one.
        public var metadataFile: String?
        public var regions: [String]

        public init(name: String, imageFile: String?, imageID: String?, metadataFile: String?, regions: [String]) {
            self.name = name
            self.imageFile = imageFile
            self.imageID = imageID
            self.metadataFile = metadataFile
            self.regions = regions
        }
    }

    /// One upload day of the bundle.
    public struct Day: Sendable, Equatable {
        /// 1 for the first day (folder `day-01`).
        public var index: Int
        /// `YYYY-MM-DD` in the quota's time zone.
        public var date: String

        public init(index: Int, date: String) {
            self.index = index
            self.date = date
        }

        /// The folder holding the day's files: `day-01`, `day-02`, ..., `day-100`.
        public var directory: String { index < 10 ? "day-0\(index)" : "day-\(index)" }
    }

    /// One bundled file.
    public struct File: Sendable, Equatable {
        /// The path in the bundle, relative to its folder: `day-01/images/web.qcow2`.
        public var path: String
        /// The name it is uploaded as (the release's relative path): `images/web.qcow2`.
        public var name: String
        public var size: UInt64
        /// Lower-case hexadecimal SHA-256.
        public var sha256: String
        /// `image`, `metadata`, `eula`, `user-guide`, `certificate`, `oss-notice` or `software`.
        public var role: String
        public var day: Day
        /// The `release.yaml` keys that name the file.
        public var keys: [String]

        public init(path: String, name: String, size: UInt64, sha256: String, role: String, day: Day, keys: [String]) {
            self.path = path
            self.name = name
            self.size = size
            self.sha256 = sha256
            self.role = role
            self.day = day
            self.keys = keys
        }
    }

    public var bundleID: String
    /// When the bundle was written (epoch seconds).
    public var createdAt: Int64
    public var product: String
    /// `free` or `paid`.
    public var pricingMode: String
    /// `simple` or `vcpu`.
    public var pricingTemplate: String
    public var isPublic: Bool
    /// Every region of every specification, in first-seen order.
    public var regions: [String]
    public var specifications: [SpecificationEntry]
    public var filesPerDay: Int
    public var bytesPerDay: UInt64
    /// The quota day's time zone, e.g. `GMT+08:00`.
    public var timeZone: String
    public var days: [Day]
    public var files: [File]

    public init(bundleID: String, createdAt: Int64, product: String, pricingMode: String, pricingTemplate: String,
                isPublic: Bool, regions: [String], specifications: [SpecificationEntry], filesPerDay: Int,
                bytesPerDay: UInt64, timeZone: String, days: [Day], files: [File]) {
        self.bundleID = bundleID
        self.createdAt = createdAt
        self.product = product
        self.pricingMode = pricingMode
        self.pricingTemplate = pricingTemplate
        self.isPublic = isPublic
        self.regions = regions
        self.specifications = specifications
        self.filesPerDay = filesPerDay
        self.bytesPerDay = bytesPerDay
        self.timeZone = timeZone
        self.days = days
        self.files = files
    }

    // MARK: Writing

    /// The manifest as JSON, two-space indented, keys in a fixed order.
    public var json: JSONValue {
        func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        return .object([
            ("format", .string("koopack-bundle")),
            ("version", .uint(BundleManifest.formatVersion)),
            ("bundle-id", .string(bundleID)),
            ("created-at", .int(createdAt)),
            ("release", .object([
                ("product", .string(product)),
                ("pricing", .object([("mode", .string(pricingMode)), ("template", .string(pricingTemplate))])),
                ("public", .bool(isPublic)),
                ("regions", strings(regions)),
                ("specifications", .array(specifications.map { spec in
                    .object([
                        ("name", .string(spec.name)),
                        ("image-file", optional(spec.imageFile)),
                        ("image-id", optional(spec.imageID)),
                        ("metadata-file", optional(spec.metadataFile)),
                        ("regions", strings(spec.regions)),
                    ])
                })),
            ])),
            ("quota", .object([
                ("files-per-day", .int(Int64(filesPerDay))),
                ("bytes-per-day", .uint(bytesPerDay)),
                ("time-zone", .string(timeZone)),
            ])),
            ("days", .array(days.map { .object([("index", .int(Int64($0.index))), ("date", .string($0.date)),
                                                ("directory", .string($0.directory))]) })),
            ("files", .array(files.map { file in
                .object([
                    ("path", .string(file.path)),
                    ("name", .string(file.name)),
                    ("size", .uint(file.size)),
                    ("sha256", .string(file.sha256)),
                    ("role", .string(file.role)),
                    ("day", .object([("index", .int(Int64(file.day.index))), ("date", .string(file.day.date))])),
                    ("keys", strings(file.keys)),
                ])
            })),
        ])
    }

    /// `SHA256SUMS` in `sha256sum -c` format: `<digest>  <path>` per file, paths relative to the
    /// bundle's folder, in manifest order.
    public var sha256sums: String {
        files.map { "\($0.sha256)  \($0.path)\n" }.joined()
    }

    // MARK: Reading

    /// Reads a manifest from its JSON text. Throws a `BundleError` saying what is wrong: not
    /// JSON, another format, a missing or mistyped key, a path that could leave the bundle.
    public static func parse(_ bytes: [UInt8], file: String) throws(BundleError) -> BundleManifest {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes, maximumInputBytes: maximumBytes)
        } catch {
            throw BundleError("\(file) is not valid JSON: \(error)")
        }
        let reader = ManifestReader(file: file)
        guard root["format"]?.stringValue == "koopack-bundle" else {
            throw BundleError("\(file) is not a koopack bundle manifest (no \"format\": \"koopack-bundle\")")
        }
        let version = try reader.unsigned(root["version"], "version")
        guard version == formatVersion else {
            throw BundleError("\(file) is manifest version \(version); this koopack reads version \(formatVersion)")
        }
        let release = try reader.object(root["release"], "release")
        let quota = try reader.object(root["quota"], "quota")
        var specifications: [SpecificationEntry] = []
        for (index, spec) in try reader.array(release["specifications"], "release.specifications").enumerated() {
            let key = "release.specifications[\(index)]"
            specifications.append(SpecificationEntry(
                name: try reader.string(spec["name"], key + ".name"),
                imageFile: try reader.optionalString(spec["image-file"], key + ".image-file"),
                imageID: try reader.optionalString(spec["image-id"], key + ".image-id"),
                metadataFile: try reader.optionalString(spec["metadata-file"], key + ".metadata-file"),
                regions: try reader.strings(spec["regions"], key + ".regions")))
        }
        var days: [Day] = []
        for (index, day) in try reader.array(root["days"], "days").enumerated() {
            days.append(try reader.day(day, "days[\(index)]"))
        }
        let fileValues = try reader.array(root["files"], "files")
        guard fileValues.count <= maximumFiles else {
            throw BundleError("\(file) lists \(fileValues.count) files, more than the limit of \(maximumFiles)")
        }
        var files: [File] = []
        var seen: Set<String> = []
        for (index, value) in fileValues.enumerated() {
            let key = "files[\(index)]"
            let path = try reader.string(value["path"], key + ".path")
            guard BundlePaths.isSafeRelative(path) else {
                throw BundleError("\(file): \(key).path \"\(path)\" is not a plain relative path inside the bundle")
            }
            guard path != fileName, path != sumsFileName else {
                throw BundleError("\(file): \(key).path names the bundle's own \(path)")
            }
            guard seen.insert(path).inserted else { throw BundleError("\(file): \(key).path \"\(path)\" is listed twice") }
            let sha256 = try reader.string(value["sha256"], key + ".sha256")
            guard BundlePaths.isSHA256(sha256) else {
                throw BundleError("\(file): \(key).sha256 is not 64 lower-case hexadecimal digits")
            }
            files.append(File(path: path, name: try reader.string(value["name"], key + ".name"),
                              size: try reader.unsigned(value["size"], key + ".size"), sha256: sha256,
                              role: try reader.string(value["role"], key + ".role"),
                              day: try reader.day(value["day"], key + ".day"),
                              keys: try reader.strings(value["keys"], key + ".keys")))
        }
        let filesPerDay = try reader.unsigned(quota["files-per-day"], "quota.files-per-day")
        return BundleManifest(
            bundleID: try reader.string(root["bundle-id"], "bundle-id"),
            createdAt: try reader.signed(root["created-at"], "created-at"),
            product: try reader.string(release["product"], "release.product"),
            pricingMode: try reader.string(release["pricing"]?["mode"], "release.pricing.mode"),
            pricingTemplate: try reader.string(release["pricing"]?["template"], "release.pricing.template"),
            isPublic: try reader.bool(release["public"], "release.public"),
            regions: try reader.strings(release["regions"], "release.regions"),
            specifications: specifications,
            filesPerDay: Int(clamping: filesPerDay),
            bytesPerDay: try reader.unsigned(quota["bytes-per-day"], "quota.bytes-per-day"),
            timeZone: try reader.string(quota["time-zone"], "quota.time-zone"),
            days: days, files: files)
    }
}

/// Typed reads of manifest values, each failing with the key that was wrong.
struct ManifestReader {
    let file: String

    func fail(_ key: String, _ expected: String) -> BundleError {
        BundleError("\(file): \(key) is missing or not \(expected)")
    }

    func object(_ value: JSONValue?, _ key: String) throws(BundleError) -> JSONValue {
        guard case .object? = value, let value else { throw fail(key, "an object") }
        return value
    }

    func array(_ value: JSONValue?, _ key: String) throws(BundleError) -> [JSONValue] {
        guard case let .array(items)? = value else { throw fail(key, "a list") }
        return items
    }

    func string(_ value: JSONValue?, _ key: String) throws(BundleError) -> String {
        guard let text = value?.stringValue else { throw fail(key, "a string") }
        return text
    }

    func optionalString(_ value: JSONValue?, _ key: String) throws(BundleError) -> String? {
        if value == nil || value == .null { return nil }
        return try string(value, key)
    }

    func strings(_ value: JSONValue?, _ key: String) throws(BundleError) -> [String] {
        try array(value, key).enumerated().map { (index, item) throws(BundleError) in try string(item, "\(key)[\(index)]") }
    }

    func bool(_ value: JSONValue?, _ key: String) throws(BundleError) -> Bool {
        guard case let .bool(flag)? = value else { throw fail(key, "true or false") }
        return flag
    }

    func unsigned(_ value: JSONValue?, _ key: String) throws(BundleError) -> UInt64 {
        switch value {
        case let .uint(number)?: return number
        case let .int(number)? where number >= 0: return UInt64(number)
        default: throw fail(key, "a non-negative integer")
        }
    }

    func signed(_ value: JSONValue?, _ key: String) throws(BundleError) -> Int64 {
        switch value {
        case let .int(number)?: return number
        case let .uint(number)? where number <= UInt64(Int64.max): return Int64(number)
        default: throw fail(key, "an integer")
        }
    }

    func day(_ value: JSONValue?, _ key: String) throws(BundleError) -> BundleManifest.Day {
        let index = try unsigned(value?["index"], key + ".index")
        guard (1...UInt64(BundleManifest.maximumFiles)).contains(index) else { throw fail(key + ".index", "a day number from 1") }
        return BundleManifest.Day(index: Int(index), date: try string(value?["date"], key + ".date"))
    }
}

/// Path rules inside a bundle.
enum BundlePaths {
    /// The longest path a bundle holds (Linux's PATH_MAX less room for the bundle's folder).
    static let maximumPathBytes = 3072

    /// Whether `path` is relative, has no empty, `.` or `..` component, no NUL or backslash, and
    /// is not too long: a path that cannot leave the bundle's folder whatever it holds.
    static func isSafeRelative(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= maximumPathBytes, !path.hasPrefix("/"),
              !path.utf8.contains(0), !path.contains("\\"), !path.contains("\n") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    /// Whether `text` is 64 lower-case hexadecimal digits.
    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }
}
