import DiskImage

/// One 32-byte FAT directory entry (8.3 name, attributes, first cluster, size), or a VFAT
/// long-name piece.
struct FATDirectoryEntry: Sendable {
    static let attributeReadOnly: UInt8 = 0x01
    static let attributeVolume: UInt8 = 0x08
    static let attributeDirectory: UInt8 = 0x10
    static let attributeLongName: UInt8 = 0x0f

    var shortNameBytes: [UInt8]
    var attributes: UInt8
    /// Byte 12: Windows NT's "base / extension in lower case" bits, which Linux honours.
    var caseFlags: UInt8
    var firstCluster: UInt32
    var size: UInt32

    /// nil for the end-of-directory marker (first byte 0).
    init?(_ w: ByteWindow, offset: UInt64) throws {
        let first = try w.u8(0)
        if first == 0 { return nil }
        shortNameBytes = Array(try w.slice(0, 11))
        attributes = try w.u8(11)
        caseFlags = try w.u8(12)
        firstCluster = (UInt32(try w.u16le(20)) << 16 | UInt32(try w.u16le(26))) & 0x0fff_ffff
        size = try w.u32le(28)
    }

    var isDeleted: Bool { shortNameBytes.first == 0xe5 }
    var isLongName: Bool { attributes & 0x3f == Self.attributeLongName }
    var isDirectory: Bool { attributes & Self.attributeDirectory != 0 }
    var isReadOnly: Bool { attributes & Self.attributeReadOnly != 0 }
    var isFileOrDirectory: Bool { !isDeleted && !isLongName && attributes & Self.attributeVolume == 0 }
    var isDotEntry: Bool { shortNameBytes.first == 0x2e }

    /// The 8.3 name as Linux shows it: trailing spaces removed, a dot before a non-empty
    /// extension, lower-cased where the case flags say so, 0x05 standing for 0xE5.
    var shortName: String {
        var base = Array(shortNameBytes[0..<8])
        var ext = Array(shortNameBytes[8..<11])
        if base.first == 0x05 { base[0] = 0xe5 }
        while base.last == 0x20 { base.removeLast() }
        while ext.last == 0x20 { ext.removeLast() }
        func lower(_ bytes: [UInt8]) -> [UInt8] { bytes.map { $0 >= 0x41 && $0 <= 0x5a ? $0 + 0x20 : $0 } }
        if caseFlags & 0x08 != 0 { base = lower(base) }
        if caseFlags & 0x10 != 0 { ext = lower(ext) }
        // Bytes above 0x7F are in the volume's OEM code page; Latin-1 keeps them readable.
        let text = { (bytes: [UInt8]) in String(bytes.map { Character(Unicode.Scalar($0)) }) }
        return ext.isEmpty ? text(base) : text(base) + "." + text(ext)
    }

    /// The checksum of an 8.3 name that its long-name entries carry.
    static func checksum(_ name: [UInt8]) -> UInt8 {
        var sum: UInt8 = 0
        for byte in name { sum = ((sum & 1) << 7) &+ (sum >> 1) &+ byte }
        return sum
    }
}

/// Gathers the VFAT long-name entries that precede an 8.3 entry (last piece first, sequence
/// numbers counting down to 1), and yields the long name when the pieces are complete and their
/// checksum matches the 8.3 name; otherwise the 8.3 name is used, as Linux does.
struct FATLongNameCollector {
    /// Most pieces of one name: 20 × 13 UTF-16 units cover the 255-character maximum.
    static let maxPieces = 20

    private var pieces: [Int: [UInt16]] = [:]
    private var expected = 0
    private var checksum: UInt8 = 0
    private var valid = false

    mutating func reset() {
        pieces = [:]
        expected = 0
        valid = false
    }

    mutating func add(_ w: ByteWindow) throws {
        let order = try w.u8(0)
        let sequence = Int(order & 0x1f)
        let sum = try w.u8(13)
        if order & 0x40 != 0 {
            reset()
            guard sequence >= 1, sequence <= Self.maxPieces else { return }
            expected = sequence
            checksum = sum
            valid = true
        }
        guard valid, sequence >= 1, sequence <= expected, sum == checksum, pieces[sequence] == nil else {
            valid = false
            return
        }
        var units: [UInt16] = []
        for o in [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] { units.append(try w.u16le(o)) }
        pieces[sequence] = units
    }

    /// The long name for the 8.3 entry `shortName`, when one was collected for it.
    func name(for shortName: [UInt8]) -> String? {
        guard valid, pieces.count == expected, expected >= 1,
              FATDirectoryEntry.checksum(shortName) == checksum else { return nil }
        var units: [UInt16] = []
        for sequence in 1...expected { units += pieces[sequence] ?? [] }
        if let end = units.firstIndex(of: 0) { units.removeSubrange(end...) }
        guard !units.isEmpty else { return nil }
        return String(decoding: units, as: UTF16.self)
    }
}
