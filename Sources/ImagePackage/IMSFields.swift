import DiskImage

/// A checked value of a known IMS key.
enum IMSFieldValue: Sendable, Equatable {
    case text(String)
    case flag(Bool)
    case count(UInt64)
    /// A key read as it is (`IMSFieldKind.raw`).
    case raw(JSONValue)
}

/// Why a known key's value has the wrong shape, phrased to follow `key "...": `.
struct IMSFieldProblem: Error {
    var message: String
}

/// The shapes IMS (and the dumps sellers make of it) give its keys, each accepting the spellings
/// seen in the wild.
enum IMSFieldKind: Sendable {
    /// A string; `null` reads as absent.
    case text
    /// A string, or an integer written as a number (`__os_bit`: `"64"` or `64`).
    case textOrNumber
    /// A JSON boolean or the string `"true"`/`"false"` (any case).
    case flag
    /// `"1"`/`"0"`, `1`/`0`, or a boolean (`__system__encrypted`).
    case binaryFlag
    /// A non-negative integer, as a number or a decimal string; `""` reads as absent.
    case count
    /// Any value, kept as it is (`null` reads as absent): keys the rules read often, indexed
    /// so that reading them costs no search, but whose shape they judge themselves.
    case raw

    /// The value converted, nil when absent (`null`, or `""` where that means unset).
    func convert(_ value: JSONValue) throws -> IMSFieldValue? {
        if case .null = value { return nil }
        switch self {
        case .raw:
            return .raw(value)
        case .text:
            if case let .string(s) = value { return .text(s) }
            throw IMSFieldProblem(message: "expected a string, found \(IMSField.describe(value))")
        case .textOrNumber:
            if case let .string(s) = value { return .text(s) }
            if let n = IMSField.integer(value) { return .text(String(n)) }
            throw IMSFieldProblem(message: "expected a string or an integer, found \(IMSField.describe(value))")
        case .flag:
            if case let .bool(b) = value { return .flag(b) }
            if case let .string(s) = value {
                // The usual spellings first: lowercasing every flag of every image of an
                // account showed in the audit's profile.
                if s == "true" { return .flag(true) }
                if s == "false" { return .flag(false) }
                switch s.lowercased() {
                case "true": return .flag(true)
                case "false": return .flag(false)
                case "": return nil
                default: break
                }
            }
            throw IMSFieldProblem(message: "expected true or false (a boolean or the string \"true\"/\"false\"), found \(IMSField.describe(value))")
        case .binaryFlag:
            switch value {
            case let .bool(b): return .flag(b)
            case let .string(s):
                if s == "1" { return .flag(true) }
                if s == "0" { return .flag(false) }
                switch s.lowercased() {
                case "1", "true": return .flag(true)
                case "0", "false": return .flag(false)
                case "": return nil
                default: break
                }
            default:
                if let n = IMSField.integer(value), n == 0 || n == 1 { return .flag(n == 1) }
            }
            throw IMSFieldProblem(message: "expected \"1\" or \"0\", found \(IMSField.describe(value))")
        case .count:
            if let n = IMSField.integer(value) {
                guard n >= 0, let unsigned = UInt64(exactly: n) else {
                    throw IMSFieldProblem(message: "expected a non-negative integer, found \(IMSField.describe(value))")
                }
                return .count(unsigned)
            }
            if case let .string(s) = value {
                if s.isEmpty { return nil }
                if let n = UInt64(s) { return .count(n) }
                let trimmed = s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
                if let n = UInt64(String(trimmed)) { return .count(n) }
            }
            throw IMSFieldProblem(message: "expected an integer, found \(IMSField.describe(value))")
        }
    }
}

/// The IMS keys koopack knows: each a slot in `IMSMetadata`'s array of checked values, so an
/// accessor reads its value by position, with no key to hash.
enum IMSKey: Int, CaseIterable, Sendable {
    case id, name, owner, imageType, visibility, wholeImage, backupID, virtualEnvType, cmkID
    case systemEncrypted, systemEncryptedMisspelt, productCode, supportMarket, isOffshelved
    case accountCode, `protected`, originalImageName, dataOrigin, rootOrigin, imageSize, diskFormat
    case minDisk, minRam, osType, osVersion, platform, osBit, firmwareType, status, region, released
    case supportARM, architecture, lazyLoading

    /// The key as IMS spells it.
    var name: String {
        switch self {
        case .id: "id"
        case .name: "name"
        case .owner: "owner"
        case .imageType: "__imagetype"
        case .visibility: "visibility"
        case .wholeImage: "__whole_image"
        case .backupID: "__backup_id"
        case .virtualEnvType: "virtual_env_type"
        case .cmkID: "__system__cmkid"
        case .systemEncrypted: "__system__encrypted"
        case .systemEncryptedMisspelt: "__system_encrypted"
        case .productCode: "__productcode"
        case .supportMarket: "__system_support_market"
        case .isOffshelved: "__is_offshelved"
        case .accountCode: "__account_code"
        case .protected: "protected"
        case .originalImageName: "__originalimagename"
        case .dataOrigin: "__data_origin"
        case .rootOrigin: "__root_origin"
        case .imageSize: "__image_size"
        case .diskFormat: "disk_format"
        case .minDisk: "min_disk"
        case .minRam: "min_ram"
        case .osType: "__os_type"
        case .osVersion: "__os_version"
        case .platform: "__platform"
        case .osBit: "__os_bit"
        case .firmwareType: "hw_firmware_type"
        case .status: "status"
        case .region: "region"
        case .released: "released"
        case .supportARM: "__support_arm"
        case .architecture: "architecture"
        case .lazyLoading: "__lazyloading"
        }
    }

    /// The shape the key's value takes.
    var kind: IMSFieldKind {
        switch self {
        case .id, .name, .owner, .imageType, .visibility, .backupID, .virtualEnvType, .cmkID,
             .productCode, .accountCode, .originalImageName, .dataOrigin, .rootOrigin, .diskFormat,
             .osType, .osVersion, .platform, .firmwareType, .status, .region: .text
        case .wholeImage, .supportMarket, .isOffshelved, .protected, .released: .flag
        case .systemEncrypted, .systemEncryptedMisspelt: .binaryFlag
        case .imageSize, .minDisk, .minRam: .count
        case .osBit: .textOrNumber
        case .supportARM, .architecture, .lazyLoading: .raw
        }
    }
}

/// The IMS keys by name, and helpers to describe values in messages.
enum IMSField {
    /// The known key named `name`, nil for any other. Found by the name's `ASCIIDigest` in a
    /// small open-addressed table and confirmed by comparing the names: a dictionary of strings
    /// hashed every key of every image of an account with SipHash, which was most of the time
    /// spent making the metadata. A name with a byte that is not ASCII is no known key (none has
    /// a `K`, `;` or backquote, the only ASCII a non-ASCII character is canonically equal to).
    static func key(named name: String) -> IMSKey? {
        guard let digest = ASCIIDigest.of(name) else { return nil }
        var slot = Int(truncatingIfNeeded: digest) & (keyTable.count - 1)
        while let entry = keyTable[slot] {
            if entry.digest == digest && entry.key.name == name { return entry.key }
            slot = (slot + 1) & (keyTable.count - 1)
        }
        return nil
    }

    /// `key(named:)`'s table: a power of two at least twice the number of keys, so a probe for
    /// an unknown name soon meets an empty slot.
    private static let keyTable: [(digest: UInt64, key: IMSKey)?] = {
        var size = 1
        while size < IMSKey.allCases.count * 4 { size *= 2 }
        var table = [(digest: UInt64, key: IMSKey)?](repeating: nil, count: size)
        for key in IMSKey.allCases {
            let digest = ASCIIDigest.of(key.name)!
            var slot = Int(truncatingIfNeeded: digest) & (size - 1)
            while table[slot] != nil { slot = (slot + 1) & (size - 1) }
            table[slot] = (digest, key)
        }
        return table
    }()

    /// The value as an integer when it is one (an integral double counts).
    static func integer(_ value: JSONValue) -> Int128? {
        switch value {
        case let .int(v): return Int128(v)
        case let .uint(v): return Int128(v)
        case let .double(d):
            guard d.isFinite, d == d.rounded(), abs(d) < 1.8e19 else { return nil }
            return Int128(d)
        default: return nil
        }
    }

    /// How a value reads in an error message: `the string "forty"`, `the number 3.5`, ...
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case let .bool(b): return "the boolean \(b)"
        case let .int(v): return "the number \(v)"
        case let .uint(v): return "the number \(v)"
        case let .double(v): return "the number \(v)"
        case let .string(s):
            let shown = s.count > 60 ? String(s.prefix(60)) + "..." : s
            return "the string " + JSONValue.string(shown).serialized(indent: nil)
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension IMSMetadata {
    /// `id`: the image ID.
    public var id: String? { nonEmpty(.id) }
    /// `name`: the image name.
    public var name: String? { nonEmpty(.name) }
    /// `owner`: the project that owns the image.
    public var owner: String? { nonEmpty(.owner) }
    /// `__imagetype`: `gold` (public), `private`, `shared`, `market`.
    public var imageType: String? { nonEmpty(.imageType) }
    /// `visibility`: `public`, `private`, `shared`.
    public var visibility: String? { nonEmpty(.visibility) }
    /// `__whole_image`: true for a full-ECS image.
    public var wholeImage: Bool? { flag(.wholeImage) }
    /// `__backup_id`: the CSBS/CBR backup the image was made from; nil when absent or empty.
    public var backupID: String? { nonEmpty(.backupID) }
    /// `virtual_env_type`: `FusionCompute`, `Ironic`, `DataImage`, `IsoImage`.
    public var virtualEnvType: String? { nonEmpty(.virtualEnvType) }
    /// `__system__cmkid`: the KMS key that encrypts the image; nil when absent or empty.
    public var cmkID: String? { nonEmpty(.cmkID) }
    /// `__system__encrypted` or its misspelling `__system_encrypted`: true when either says `"1"`,
    /// false when present and none does, nil when neither is present.
    public var encryptedFlag: Bool? {
        let values = [flag(.systemEncrypted), flag(.systemEncryptedMisspelt)].compactMap { $0 }
        if values.isEmpty { return nil }
        return values.contains(true)
    }
    /// `__productcode`: the KooGallery product ID of a market image; nil when absent or empty.
    public var productCode: String? { nonEmpty(.productCode) }
    /// `__system_support_market`: whether IMS allows publishing the image to KooGallery.
    public var supportMarket: Bool? { flag(.supportMarket) }
    /// `__is_offshelved`: whether the market image was taken off the shelf.
    public var isOffshelved: Bool? { flag(.isOffshelved) }
    /// `__account_code`: set on a paid image; nil when absent or empty.
    public var accountCode: String? { nonEmpty(.accountCode) }
    /// `protected`: the image cannot be deleted (released images are).
    public var protected: Bool? { flag(.protected) }
    /// `__originalimagename`: the parent image ID; nil when absent or empty.
    public var originalImageName: String? { nonEmpty(.originalImageName) }
    /// `__data_origin`: `instance,<id>`, `file,<url>`, `server_backup,<id>`, ...; nil when empty.
    public var dataOrigin: String? { nonEmpty(.dataOrigin) }
    /// `__root_origin`: `file` when the image was made from an external file; nil when empty.
    public var rootOrigin: String? { nonEmpty(.rootOrigin) }
    /// `__image_size`: the image file's size in bytes.
    public var imageSize: UInt64? { count(.imageSize) }
    /// `disk_format`: `vhd`, `zvhd2`, `qcow2`, `raw`, `iso`, ...
    public var diskFormat: String? { nonEmpty(.diskFormat) }
    /// `min_disk`: minimum disk size in GB.
    public var minDisk: UInt64? { count(.minDisk) }
    /// `min_ram`: minimum memory in MB.
    public var minRam: UInt64? { count(.minRam) }
    /// `__os_type`: `Linux`, `Windows`, `Other`.
    public var osType: String? { nonEmpty(.osType) }
    /// `__os_version`: e.g. `Ubuntu 22.04 server 64bit`.
    public var osVersion: String? { nonEmpty(.osVersion) }
    /// `__platform`: e.g. `Ubuntu`, `CentOS`, `Windows`.
    public var platform: String? { nonEmpty(.platform) }
    /// `__os_bit`: `32` or `64`.
    public var osBit: String? { nonEmpty(.osBit) }
    /// `hw_firmware_type`: `bios` or `uefi`.
    public var firmwareType: String? { nonEmpty(.firmwareType) }
    /// `status`: `queued`, `saving`, `deleted`, `killed`, `active`.
    public var status: String? { nonEmpty(.status) }
    /// koopack's `region`: the region the image lives in, as the seller wrote it.
    public var region: String? { nonEmpty(.region) }
    /// koopack's `released`: the seller knows this image was released.
    public var released: Bool? { flag(.released) }
    /// `__support_arm` as given (IMS writes the string `"true"`), nil when absent or null.
    public var supportARMValue: JSONValue? { raw(.supportARM) }
    /// `architecture` as given (`x86_64`, `aarch64`, ...), nil when absent or null.
    public var architectureValue: JSONValue? { raw(.architecture) }
    /// `__lazyloading` as given (a boolean or `"true"`/`"false"`), nil when absent or null.
    public var lazyLoadingValue: JSONValue? { raw(.lazyLoading) }

    func nonEmpty(_ key: IMSKey) -> String? {
        guard let s = string(key), !s.isEmpty else { return nil }
        return s
    }
}
