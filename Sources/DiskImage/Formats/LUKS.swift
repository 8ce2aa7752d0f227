/// A LUKS container (QEMU's `luks` format): a LUKS1 or LUKS2 header followed by the encrypted
/// guest disk. koopack reads the header only; the guest cannot be read without the passphrase.
public enum LUKSFormat: ImageFormat {
    public static let name = "luks"

    /// "LUKS\xba\xbe", the magic of both LUKS versions.
    static let magic: [UInt8] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]

    public static func probe(_ input: ProbeInput) -> Int {
        guard input.head.matches(magic, at: 0), let version = try? input.head.u16be(6) else { return 0 }
        return version == 1 || version == 2 ? 100 : 0
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        let version = try source.window(at: 0, count: 8, what: "LUKS header").u16be(6)
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: 0)
        info.encrypted = true
        info.encryptionFormat = .luks
        info.dirty = false
        let payloadOffset: UInt64
        switch version {
        case 1:
            let header = try LUKS1Header(source, at: 0)
            info.subformat = "luks1"
            info.warnings = header.warnings
            info.formatSpecific = .object([("type", .string(name)), ("data", .object(header.qemuMembers))])
            payloadOffset = header.payloadOffset
            info.virtualSize = payloadSize(source, from: payloadOffset, warnings: &info.warnings)
        case 2:
            let header = try LUKS2Header(source)
            info.subformat = "luks2"
            info.warnings = header.warnings
            info.formatSpecific = .object([("type", .string(name)), ("data", .object(header.members))])
            if let fixed = header.segmentSize {
                info.virtualSize = fixed
            } else {
                info.virtualSize = payloadSize(source, from: header.payloadOffset, warnings: &info.warnings)
            }
        default:
            throw ImageError.invalid(.unsupported, "LUKS version", at: 6, "version \(version) is not 1 or 2")
        }
        return info
    }

    /// The bytes after the payload offset, which is the guest's disk size for a raw container.
    private static func payloadSize(_ source: any ByteSource, from offset: UInt64, warnings: inout [String]) -> UInt64 {
        guard offset <= source.size else {
            warnings.append("the payload offset \(offset) lies past the end of the file (size \(source.size))")
            return 0
        }
        return source.size - offset
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        throw ImageError(.unsupported, "encrypted: the guest cannot be read without the key")
    }
}

/// A LUKS1 header (big-endian, 592 bytes): the cipher, the master key digest parameters and eight
/// key slots. Used for raw LUKS containers and for the header inside LUKS-encrypted qcow2 images.
struct LUKS1Header: Sendable {
    /// One key slot: whether it holds a key, and where its key material lies.
    struct KeySlot: Sendable {
        var active: Bool
        var iterations: UInt32
        var keyMaterialSector: UInt32
        var stripes: UInt32
    }

    var cipherName: String
    var cipherMode: String
    var hashSpec: String
    /// The payload's start in bytes (the header stores 512-byte sectors).
    var payloadOffset: UInt64
    var keyBytes: UInt32
    var masterKeyIterations: UInt32
    var uuid: String
    var slots: [KeySlot]
    var warnings: [String] = []

    static let length = 592
    static let slotCount = 8
    static let slotActive: UInt32 = 0x00AC_71F3
    static let slotDisabled: UInt32 = 0x0000_DEAD

    /// Reads the header at `offset` of `source`.
    init(_ source: any ByteSource, at offset: UInt64) throws {
        let w = try source.window(at: offset, count: Self.length, what: "LUKS header")
        guard w.matches(LUKSFormat.magic, at: 0) else {
            throw ImageError.invalid(.badMagic, "LUKS magic", at: offset, "not LUKS\\xba\\xbe")
        }
        let version = try w.u16be(6)
        guard version == 1 else {
            throw ImageError.invalid(.unsupported, "LUKS version", at: offset + 6, "version \(version) where a LUKS1 header is expected")
        }
        cipherName = try w.cString(8, 32)
        cipherMode = try w.cString(40, 32)
        hashSpec = try w.cString(72, 32)
        payloadOffset = UInt64(try w.u32be(104)) * 512
        keyBytes = try w.u32be(108)
        masterKeyIterations = try w.u32be(164)
        uuid = try w.cString(168, 40)
        slots = []
        for index in 0..<Self.slotCount {
            let base = 208 + index * 48
            let state = try w.u32be(base)
            if state != Self.slotActive && state != Self.slotDisabled {
                warnings.append("LUKS key slot \(index) at offset \(offset + UInt64(base)) has the invalid state 0x\(String(state, radix: 16))")
            }
            slots.append(KeySlot(active: state == Self.slotActive, iterations: try w.u32be(base + 4),
                                 keyMaterialSector: try w.u32be(base + 40), stripes: try w.u32be(base + 44)))
        }
        if keyBytes == 0 || keyBytes > 256 {
            warnings.append("LUKS key size \(keyBytes) bytes at offset \(offset + 108) is implausible")
        }
    }

    /// The cipher mode's parts: "xts-plain64" is mode xts with IV generator plain64;
    /// "cbc-essiv:sha256" adds the IV generator's hash.
    var modeParts: (mode: String, ivgen: String?, ivgenHash: String?) {
        guard let dash = cipherMode.firstIndex(of: "-") else { return (cipherMode, nil, nil) }
        let mode = String(cipherMode[..<dash])
        let ivgen = cipherMode[cipherMode.index(after: dash)...]
        guard let colon = ivgen.firstIndex(of: ":") else { return (mode, String(ivgen), nil) }
        return (mode, String(ivgen[..<colon]), String(ivgen[ivgen.index(after: colon)...]))
    }

    /// QEMU's name for the cipher: the algorithm and its key size in bits (XTS keys are two keys).
    var cipherAlgorithm: String {
        // In 64 bits: key-bytes is the file's word, and a hostile one times 8 overflows 32.
        let bits = UInt64(modeParts.mode == "xts" ? keyBytes / 2 : keyBytes) * 8
        return cipherName == "sm4" ? "sm4" : "\(cipherName)-\(bits)"
    }

    /// The members QEMU 7.2 prints for a LUKS header, in its order.
    var qemuMembers: [(String, JSONValue)] {
        let parts = modeParts
        var members: [(String, JSONValue)] = []
        if let ivgen = parts.ivgen { members.append(("ivgen-alg", .string(ivgen))) }
        members.append(("hash-alg", .string(hashSpec)))
        members.append(("cipher-alg", .string(cipherAlgorithm)))
        members.append(("uuid", .string(uuid)))
        if let hash = parts.ivgenHash { members.append(("ivgen-hash-alg", .string(hash))) }
        members.append(("cipher-mode", .string(parts.mode)))
        members.append(("slots", .array(slots.map { slot in
            var entry: [(String, JSONValue)] = [("active", .bool(slot.active))]
            if slot.active {
                entry.append(("iters", .uint(UInt64(slot.iterations))))
            }
            entry.append(("key-offset", .uint(UInt64(slot.keyMaterialSector) * 512)))
            if slot.active {
                entry.append(("stripes", .uint(UInt64(slot.stripes))))
            }
            return .object(entry)
        })))
        members.append(("payload-offset", .uint(payloadOffset)))
        members.append(("master-key-iters", .uint(UInt64(masterKeyIterations))))
        return members
    }
}
