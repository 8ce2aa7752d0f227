import DiskImage
import ImagePackage

/// The text of a qualification document, judged by its content rather than its name: plain text
/// or Markdown (UTF-8, or UTF-16 with a byte-order mark), PDF, or DOCX. A document whose text
/// cannot be read is `noText`, with the reason, and the checks ask for it to be read by hand.
public enum DocumentText: Sendable, Equatable {
    /// The document's text, lines separated by `\n`.
    case text(String)
    /// A PDF, DOCX or text document whose text could not be read (a scanned PDF, fonts without
    /// a readable encoding, an empty file): it may be fine, and must be read by hand.
    case noText(reason: String)
    /// Not a document koopack recognises (binary data, neither text, PDF nor DOCX), or a file
    /// that cannot be read at all.
    case notADocument(reason: String)

    /// What kind of document the content is.
    public enum Kind: String, Sendable {
        case plainText = "text"
        case pdf
        case docx
        case other
    }

    /// The largest text document read whole; EULAs and guides are far smaller.
    public static let maximumTextFileBytes = 16 << 20
    /// How much of a file's start decides its kind.
    static let headBytes = 4096

    /// The text, when there is some.
    public var text: String? {
        if case let .text(t) = self { return t }
        return nil
    }

    /// The kind of document whose first bytes are `head`.
    public static func kind(ofHead head: [UInt8]) -> Kind {
        if PDFText.looksLikePDF(head) { return .pdf }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .docx }
        if decodeText(head, isPrefix: true) != nil { return .plainText }
        return .other
    }

    /// Reads the document at `path` and returns its text, or why there is none.
    public static func read(path: String) -> DocumentText {
        let source: FileByteSource
        let head: [UInt8]
        do {
            source = try FileByteSource(path: path)
            head = try source.read(at: 0, count: headBytes)
        } catch {
            return .notADocument(reason: "the file cannot be read: \(describe(error))")
        }
        let kind = kind(ofHead: head)
        do {
            let text: String
            switch kind {
            case .pdf:
                guard source.size <= UInt64(PDFText.maximumFileBytes) else {
                    return .noText(reason: "the PDF is \(source.size) bytes, more than the \(PDFText.maximumFileBytes)-byte limit koopack reads")
                }
                text = try PDFText.text(of: try source.read(at: 0, count: Int(source.size)))
            case .docx:
                text = try DOCXText.text(ofFileAt: path)
            case .plainText, .other:
                guard source.size <= UInt64(maximumTextFileBytes) else {
                    return .noText(reason: "the file is \(source.size) bytes, more than the \(maximumTextFileBytes)-byte limit for a text document")
                }
                guard let decoded = decodeText(try source.read(at: 0, count: Int(source.size)), isPrefix: false) else {
                    return .notADocument(reason: "the file is not text, PDF or DOCX")
                }
                text = decoded
            }
            guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
                return .noText(reason: kind == .pdf
                    ? "the PDF has no text koopack can extract (scanned pages, or fonts without a readable encoding)"
                    : "the \(kind.rawValue) document holds no text")
            }
            return .text(text)
        } catch {
            if kind == .docx || kind == .pdf {
                return .notADocument(reason: "the \(kind.rawValue) document could not be read: \(describe(error))")
            }
            return .noText(reason: "the \(kind.rawValue) document could not be read: \(describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? ImageError { return error.message }
        return "\(error)"
    }

    /// Text from bytes: UTF-16 (either byte order) after its byte-order mark, else UTF-8 (a
    /// byte-order mark dropped). Nil when the bytes are not text: invalid UTF-8, or control
    /// characters other than tab, line and page breaks. With `isPrefix`, a character cut at the
    /// end of the bytes is allowed.
    public static func decodeText(_ bytes: [UInt8], isPrefix: Bool = false) -> String? {
        var text: String
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            let bigEndian = bytes[0] == 0xFE
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var i = 2
            while i + 1 < bytes.count {
                let (a, b) = (UInt16(bytes[i]), UInt16(bytes[i + 1]))
                units.append(bigEndian ? a << 8 | b : b << 8 | a)
                i += 2
            }
            if isPrefix, let last = units.last, (0xD800...0xDBFF).contains(last) { units.removeLast() }
            let decoded = String(decoding: units, as: UTF16.self)
            text = decoded
        } else {
            var body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
            if isPrefix {
                // Drop a multi-byte character cut off by the end of the prefix.
                var back = 0
                while back < 3, back < body.count, body[body.count - 1 - back] & 0xC0 == 0x80 { back += 1 }
                if back < body.count {
                    let lead = body[body.count - 1 - back]
                    let expected = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
                    if back + 1 < expected { body.removeLast(back + 1) }
                }
            }
            guard let decoded = String(validating: body, as: UTF8.self) else { return nil }
            text = decoded
        }
        let allowedControls: Set<UInt32> = [9, 10, 12, 13]
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && !allowedControls.contains($0.value) }) else { return nil }
        return text.replacingCRLF()
    }
}

extension String {
    /// The text with `\r\n` and lone `\r` line ends made `\n`.
    func replacingCRLF() -> String {
        guard contains("\r") || contains("\r\n") else { return self }
        var out = ""
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" { out.unicodeScalars.append("\n"); previousCR = true; continue }
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}
