import DiskImage
import ImagePackage

/// The text of a Word (DOCX) document: a zip whose `word/document.xml` holds the body. Each
/// paragraph (`</w:p>`) ends a line; runs of text are the `<w:t>` elements; `<w:tab/>` is a tab
/// and `<w:br/>` a line break.
public enum DOCXText {
    /// The member that holds the document's body.
    public static let bodyMember = "word/document.xml"

    /// The text of the DOCX file at `path`. Throws an `ImageError` when it is not a readable zip
    /// or has no `word/document.xml`.
    public static func text(ofFileAt path: String) throws -> String {
        let members = try ArchiveReader.members(ofArchiveAt: path) { name, _ in name == bodyMember }
        guard let body = members.first(where: { $0.path == bodyMember }) else {
            throw ImageError(.invalid, file: path, "a zip archive without \(bodyMember): not a Word document")
        }
        guard body.isWhole else {
            throw ImageError(.limit, file: path, "\(bodyMember) was not read whole")
        }
        return text(ofDocumentXML: body.head)
    }

    /// The text of the XML of `word/document.xml`.
    public static func text(ofDocumentXML xml: [UInt8]) -> String {
        var lines: [String] = []
        var line: [UInt8] = []
        var inText = false
        var i = 0
        while i < xml.count {
            let b = xml[i]
            guard b == 0x3C else { // '<'
                if inText { line.append(b) }
                i += 1
                continue
            }
            var close = i + 1
            while close < xml.count, xml[close] != 0x3E { close += 1 }
            let tag = xml[(i + 1)..<min(close, xml.count)]
            let isClosing = tag.first == 0x2F
            let name = tag.dropFirst(isClosing ? 1 : 0).prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x2F }
            switch (isClosing ? "/" : "") + String(decoding: name, as: UTF8.self) {
            case "w:t": inText = tag.last != 0x2F
            case "/w:t": inText = false
            case "/w:p", "w:br", "w:cr":
                inText = false
                lines.append(decodeEntities(line))
                line = []
            case "w:tab": line.append(0x09)
            default: break
            }
            i = close + 1
        }
        if !line.isEmpty { lines.append(decodeEntities(line)) }
        return lines.joined(separator: "\n")
    }

    /// XML text with its character and entity references decoded.
    static func decodeEntities(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semi = after.prefix(12).firstIndex(of: ";") else {
                out += "&"
                rest = after
                continue
            }
            let name = after[..<semi]
            switch name {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: UnicodeScalar?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(UnicodeScalar.init)
                } else if name.hasPrefix("#") {
                    scalar = UInt32(name.dropFirst(), radix: 10).flatMap(UnicodeScalar.init)
                }
                if let scalar { out.unicodeScalars.append(scalar) } else { out += "&" + name + ";" }
            }
            rest = after[after.index(after: semi)...]
        }
        return out + rest
    }
}
