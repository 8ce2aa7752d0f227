/// One extent line of a VMDK descriptor: `RW 4192256 SPARSE "disk-s001.vmdk"`,
/// `RW 20480 FLAT "disk-flat.vmdk" 0`, `RW 2048 ZERO`, `RW 8388608 VMFS "disk-flat.vmdk"`.
struct VMDKExtentDescription: Sendable, Equatable {
    /// `RW`, `RDONLY` or `NOACCESS`.
    var access: String
    /// The extent's size in 512-byte sectors.
    var sectors: UInt64
    /// The extent type as written: `FLAT`, `SPARSE`, `ZERO`, `VMFS`, `VMFSSPARSE`, ...
    var type: String
    /// The extent file as the descriptor names it (relative to the descriptor); nil for ZERO.
    var fileName: String?
    /// For FLAT extents, the sector in the file where the extent's data starts.
    var startSector: UInt64
    /// The line's number (from 1) and the byte offset where it starts, for messages.
    var line: Int
    var lineOffset: UInt64
}

/// The text descriptor of a VMDK disk, either a file of its own (`# Disk DescriptorFile`) or
/// embedded in a sparse extent: the disk's identity (CID), its parent's, its create type and its
/// extents.
struct VMDKDescriptor: Sendable {
    /// The most descriptor text koopack reads, as QEMU does (1 MiB less one byte): a real
    /// descriptor is well under 10 KiB, and the text is read and parsed whole.
    static let maxLength = (1 << 20) - 1
    /// The most extents koopack accepts. A twoGbMaxExtent disk of the format's 2 TiB limit has
    /// 1024; more is damage, and each extent costs an open file.
    static let maxExtents = 4096
    /// The longest extent file name QEMU accepts (its `fname` buffer holds 511 bytes).
    static let maxFileNameLength = 511
    /// CID and parentCID value meaning "no parent".
    static let noParent: UInt32 = 0xFFFF_FFFF

    var version: String?
    var cid: UInt32?
    var parentCID: UInt32?
    var createType: String?
    var parentFileNameHint: String?
    var extents: [VMDKExtentDescription] = []

    /// Whether `head` starts like a descriptor file, as QEMU's probe decides: comment and blank
    /// lines, then `version=1`, `2` or `3`.
    static func looksLikeDescriptor(_ head: ArraySlice<UInt8>) -> Bool {
        var index = head.startIndex
        while index < head.endIndex {
            let byte = head[index]
            if byte == UInt8(ascii: "#") {
                while index < head.endIndex && head[index] != 0x0A { index += 1 }
                index += 1
                continue
            }
            if byte == 0x20 || byte == 0x0D || byte == 0x0A || byte == 0x09 {
                index += 1
                continue
            }
            let rest = head[index...]
            for version in ["1", "2", "3"] {
                let text = Array("version=\(version)".utf8)
                if rest.starts(with: text) {
                    let after = rest.dropFirst(text.count)
                    if after.first == 0x0A || after.starts(with: [0x0D, 0x0A]) { return true }
                }
            }
            return false
        }
        return false
    }

    /// Parses descriptor text that starts at byte `base` of its file. The text ends at the first
    /// NUL (an embedded descriptor is padded with them). Throws for binary data, malformed
    /// extent lines and too many extents, naming the line.
    static func parse(_ bytes: ArraySlice<UInt8>, base: UInt64) throws -> VMDKDescriptor {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let text = bytes[bytes.startIndex..<end]
        var descriptor = VMDKDescriptor()
        var lineNumber = 0
        var lineStart = text.startIndex
        while lineStart < text.endIndex {
            lineNumber += 1
            let lineEnd = text[lineStart...].firstIndex(of: 0x0A) ?? text.endIndex
            var line = text[lineStart..<lineEnd]
            if line.last == 0x0D { line = line.dropLast() }
            let offset = base + UInt64(lineStart - text.startIndex)
            if let bad = line.first(where: { $0 < 0x20 && $0 != 0x09 }) {
                throw ImageError(.invalid, offset: offset, "descriptor line \(lineNumber) holds binary data (byte \(bad)): this is not descriptor text")
            }
            if !Self.isIgnored(line) {
                try descriptor.take(String(decoding: line, as: UTF8.self), line: lineNumber, offset: offset)
            }
            lineStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : lineEnd
        }
        return descriptor
    }

    /// Whether `take` would do nothing with the line, seen from its bytes: blank, a comment, or a
    /// `ddb.` setting of the disk database (half of every descriptor, and no key koopack reads).
    /// Saves making and trimming a `String` for each.
    static func isIgnored(_ line: ArraySlice<UInt8>) -> Bool {
        guard let start = line.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
        let rest = line[start...]
        return rest.first == UInt8(ascii: "#") || rest.starts(with: "ddb.".utf8)
    }

    /// Takes one line: a comment, a `key = value` setting, or an extent.
    private mutating func take(_ rawLine: String, line: Int, offset: UInt64) throws {
        let trimmed = Self.trim(Substring(rawLine))
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return }
        let firstWord = trimmed.prefix { $0 != " " && $0 != "\t" }
        if ["RW", "RDONLY", "NOACCESS"].contains(firstWord) {
            guard extents.count < Self.maxExtents else {
                throw ImageError(.limit, offset: offset, "descriptor line \(line): more than \(Self.maxExtents) extents")
            }
            extents.append(try Self.extent(trimmed, line: line, offset: offset))
            return
        }
        guard let equals = trimmed.firstIndex(of: "=") else { return }
        let key = Self.trim(trimmed[..<equals])
        var value = Self.trim(trimmed[trimmed.index(after: equals)...])
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = value.dropFirst().dropLast()
        }
        switch key {
        case "version": version = String(value)
        case "CID": cid = try Self.hex(value, field: "CID", line: line, offset: offset)
        case "parentCID": parentCID = try Self.hex(value, field: "parentCID", line: line, offset: offset)
        case "createType": createType = String(value)
        case "parentFileNameHint": parentFileNameHint = String(value)
        default: break
        }
    }

    /// A CID: up to eight hex digits, as QEMU's `%x` reads them.
    private static func hex(_ text: Substring, field: String, line: Int, offset: UInt64) throws -> UInt32 {
        var digits = text
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard let value = UInt32(digits, radix: 16) else {
            throw ImageError(.invalid, offset: offset, "descriptor line \(line): \(field) \"\(text)\" is not a 32-bit hex number")
        }
        return value
    }

    /// Parses `ACCESS SECTORS TYPE ["FILE" [OFFSET]]`.
    private static func extent(_ text: Substring, line: Int, offset: UInt64) throws -> VMDKExtentDescription {
        func invalid(_ reason: String) -> ImageError {
            ImageError(.invalid, offset: offset, "descriptor line \(line): invalid extent line \"\(text.prefix(200))\": \(reason)")
        }
        var rest = text
        func word() -> Substring {
            rest = trim(rest)
            let token = rest.prefix { $0 != " " && $0 != "\t" }
            rest = rest.dropFirst(token.count)
            return token
        }
        let access = word()
        let sectorText = word()
        let type = word()
        guard let sectors = UInt64(sectorText), sectors > 0 else {
            throw invalid("the size \"\(sectorText)\" is not a positive number of sectors")
        }
        guard !type.isEmpty else { throw invalid("no extent type") }
        var description = VMDKExtentDescription(access: String(access), sectors: sectors, type: String(type),
                                                fileName: nil, startSector: 0, line: line, lineOffset: offset)
        rest = trim(rest)
        if rest.isEmpty {
            guard type == "ZERO" else { throw invalid("no file name") }
            return description
        }
        guard rest.hasPrefix("\""), let close = rest.dropFirst().firstIndex(of: "\"") else {
            throw invalid("the file name is not in double quotes")
        }
        let name = rest[rest.index(after: rest.startIndex)..<close]
        guard !name.isEmpty, name.utf8.count <= maxFileNameLength else {
            throw invalid("the file name is empty or longer than \(maxFileNameLength) bytes")
        }
        description.fileName = String(name)
        rest = trim(rest[rest.index(after: close)...])
        if type == "FLAT" {
            guard let start = UInt64(rest) else { throw invalid("a FLAT extent needs a start sector after its file name") }
            description.startSector = start
        } else if !rest.isEmpty {
            throw invalid("unexpected \"\(rest.prefix(40))\" after the file name of a \(type) extent")
        }
        return description
    }

    private static func trim(_ text: Substring) -> Substring {
        var result = text
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
