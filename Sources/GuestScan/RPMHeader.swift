import DiskImage

/// An RPM header blob, as rpm stores one per package in its database (the `blob` column of
/// rpmdb.sqlite's `Packages` table), or as it follows the 8-byte header magic in an .rpm file:
///
///     il (u32 BE)  number of index entries
///     dl (u32 BE)  bytes of the data store
///     il × { tag u32, type u32, offset i32, count u32 } (all BE)
///     data store (dl bytes)
///
/// koopack reads the tags an SBOM needs: NAME (1000), VERSION (1001), RELEASE (1002), EPOCH
/// (1003), ARCH (1022) and SOURCERPM (1044).
public struct RPMHeader: Sendable {
    /// rpm's own limit on index entries (HEADER_TAGS_MAX).
    public static let maxIndexEntries: UInt32 = 0xFFFF
    /// rpm's own limit on the data store (HEADER_DATA_MAX, 256 MiB).
    public static let maxDataBytes: UInt32 = 0x0FFF_FFFF
    /// Longest string read from the data store.
    public static let maxStringLength = 4096
    /// The magic an .rpm file puts before a header: 8E AD E8, version 01, four reserved bytes.
    static let magic: [UInt8] = [0x8E, 0xAD, 0xE8, 0x01]

    /// Tag numbers (rpmtag.h).
    public enum Tag: UInt32, Sendable {
        case name = 1000, version = 1001, release = 1002, epoch = 1003, arch = 1022, sourceRPM = 1044
    }

    /// Data types (rpmtag.h's rpmTagType).
    enum DataType: UInt32 {
        case null = 0, char = 1, int8 = 2, int16 = 3, int32 = 4, int64 = 5, string = 6, bin = 7
        case stringArray = 8, i18nString = 9
    }

    struct Entry: Sendable {
        var type: UInt32
        var offset: UInt32
        var count: UInt32
    }

    private let data: ByteWindow
    private let entries: [UInt32: Entry]

    /// Parses `bytes`, a header blob with or without the header magic. Throws `ImageError`
    /// naming the field and offset when the counts do not fit the blob.
    public init(_ bytes: [UInt8]) throws {
        var base = 0
        if bytes.count >= 8, Array(bytes[0..<4]) == Self.magic { base = 8 }
        let head = ByteWindow(bytes)
        let il = try head.u32be(base)
        let dl = try head.u32be(base + 4)
        guard il <= Self.maxIndexEntries else {
            throw ImageError.invalid(.limit, "RPM header index count", at: UInt64(base), "\(il) entries is more than rpm's limit of \(Self.maxIndexEntries)")
        }
        guard dl <= Self.maxDataBytes else {
            throw ImageError.invalid(.limit, "RPM header data length", at: UInt64(base + 4), "\(dl) bytes is more than rpm's limit of \(Self.maxDataBytes)")
        }
        let indexStart = base + 8
        let dataStart = indexStart + Int(il) * 16
        guard dataStart + Int(dl) <= bytes.count else {
            throw ImageError.invalid(.truncated, "RPM header", at: UInt64(base), "\(il) index entries and \(dl) data bytes need \(dataStart + Int(dl)) bytes, but the blob has \(bytes.count)")
        }
        var entries: [UInt32: Entry] = [:]
        for i in 0..<Int(il) {
            let at = indexStart + i * 16
            let tag = try head.u32be(at)
            guard Tag(rawValue: tag) != nil, entries[tag] == nil else { continue }
            let entry = Entry(type: try head.u32be(at + 4), offset: try head.u32be(at + 8), count: try head.u32be(at + 12))
            guard entry.offset < dl else {
                throw ImageError.invalid(.outOfRange, "RPM header entry \(i) (tag \(tag)) offset", at: UInt64(at + 8),
                                         "\(entry.offset) lies past the data store (\(dl) bytes)")
            }
            entries[tag] = entry
        }
        self.entries = entries
        self.data = ByteWindow(Array(try head.slice(dataStart, Int(dl))), at: UInt64(dataStart))
    }

    /// The string value of `tag` (the first string of an array or i18n table), nil when the
    /// header has no such tag. Throws when the string runs past the data store.
    public func string(_ tag: Tag) throws -> String? {
        guard let entry = entries[tag.rawValue] else { return nil }
        switch DataType(rawValue: entry.type) {
        case .string?, .stringArray?, .i18nString?:
            guard entry.count >= 1 else { return nil }
            let start = Int(entry.offset)
            var end = start
            while end < data.count, try data.u8(end) != 0 {
                end += 1
                guard end - start <= Self.maxStringLength else {
                    throw ImageError.invalid(.limit, "RPM header tag \(tag.rawValue) string", at: data.base + UInt64(start), "longer than \(Self.maxStringLength) bytes")
                }
            }
            guard end < data.count else {
                throw ImageError.invalid(.outOfRange, "RPM header tag \(tag.rawValue) string", at: data.base + UInt64(start), "is not terminated inside the data store")
            }
            return String(decoding: try data.slice(start, end - start), as: UTF8.self)
        case .int32?:
            guard entry.count >= 1 else { return nil }
            return String(try data.u32be(Int(entry.offset)))
        default:
            return nil
        }
    }

    /// The package this header describes, nil when it has no name or version (rpm's
    /// `gpg-pubkey` pseudo-packages do have both, and are returned; callers filter them).
    public func package() throws -> InstalledPackage? {
        guard let name = try string(.name), !name.isEmpty, let version = try string(.version) else { return nil }
        let release = try string(.release)
        let full = release.map { $0.isEmpty ? version : "\(version)-\($0)" } ?? version
        return InstalledPackage(manager: .rpm, name: name, version: full, epoch: try string(.epoch),
                                architecture: try string(.arch), source: try string(.sourceRPM))
    }
}
