/// One file that will be uploaded to the Seller Console: a document or a software (image) file
/// of a release bundle. Its SHA-256 is its identity for the quota: the same bytes uploaded twice
/// on one day count once.
public struct UploadFile: Sendable, Hashable, CustomStringConvertible {
    /// The file's name in the bundle, e.g. `images/app.qcow2`.
    public var name: String
    /// Its size in bytes.
    public var size: UInt64
    /// Its SHA-256 as hexadecimal text, kept in lower case.
    public var sha256: String
    /// What the file is for in the release, e.g. `image`, `eula`, `user-guide`.
    public var role: String

    /// A file `name` of `size` bytes with digest `sha256` (hex, any case) playing `role`.
    public init(name: String, size: UInt64, sha256: String, role: String) {
        self.name = name
        self.size = size
        self.sha256 = sha256.lowercased()
        self.role = role
    }

    /// Whether `sha256` is 64 hexadecimal digits, the only form the ledger accepts.
    public var hasValidSHA256: Bool {
        sha256.utf8.count == 64 && sha256.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }

    /// `name (size bytes, sha256 prefix)`.
    public var description: String { "\(name) (\(size) bytes, \(sha256.prefix(12)))" }
}

/// What one day's uploads already amount to: distinct files (by SHA-256) and their bytes.
/// `sha256s` lists the digests counted, so that the planner knows which files cost nothing more
/// that day; it may be empty when the usage was given as bare numbers.
public struct DayUsage: Sendable, Hashable, CustomStringConvertible {
    /// Distinct files counted.
    public var files: Int
    /// Bytes of those distinct files.
    public var bytes: UInt64
    /// The uploads counted, by key: a digest (lower-case hex) for a plan's own files, which
    /// count once however often they are named; `BUNDLE/DIGEST` (`uploadKey`) for the ledger's
    /// rows, since each bundle uploads its own copy (the console counts uploads, DOMAIN.md).
    public var sha256s: Set<String>

    /// The key of one bundle's upload of the file with digest `sha256`: two bundles uploading
    /// the same bytes are two uploads.
    public static func uploadKey(bundleID: String, sha256: String) -> String {
        bundleID + "/" + sha256.lowercased()
    }

    /// Nothing used.
    public static let zero = DayUsage(files: 0, bytes: 0)

    /// A usage of `files` files and `bytes` bytes, the digests in `sha256s` among them.
    public init(files: Int, bytes: UInt64, sha256s: Set<String> = []) {
        self.files = files
        self.bytes = bytes
        self.sha256s = sha256s
    }

    /// Whether the file with digest `sha256` is already counted this day (and so costs nothing).
    public func counts(_ sha256: String) -> Bool { sha256s.contains(sha256.lowercased()) }

    /// This usage plus the file (`sha256`, `size`) unless it is already counted. Byte totals
    /// saturate at `UInt64.max` rather than wrap.
    public func adding(sha256: String, size: UInt64) -> DayUsage {
        let key = sha256.lowercased()
        guard !sha256s.contains(key) else { return self }
        var next = self
        next.sha256s.insert(key)
        next.files = files == Int.max ? files : files + 1
        next.bytes = DayUsage.saturatingSum(bytes, size)
        return next
    }

    /// Files still free under `limits` (zero when the day is full or past it).
    public func remainingFiles(_ limits: QuotaLimits) -> Int { max(0, limits.filesPerDay - files) }

    /// Bytes still free under `limits` (zero when the day is full or past it).
    public func remainingBytes(_ limits: QuotaLimits) -> UInt64 {
        bytes >= limits.bytesPerDay ? 0 : limits.bytesPerDay - bytes
    }

    /// Whether this usage passes `limits` on files or on bytes.
    public func exceeds(_ limits: QuotaLimits) -> Bool {
        files > limits.filesPerDay || bytes > limits.bytesPerDay
    }

    /// `3 files, 1234 bytes`.
    public var description: String { "\(files) files, \(bytes) bytes" }

    static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? UInt64.max : sum
    }
}
