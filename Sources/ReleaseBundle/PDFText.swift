import DiskImage

/// The text of a PDF, read from its own objects without external tools: the page content streams
/// (and form XObjects), decoded when they use FlateDecode, and their text-showing operators.
/// Fonts with one byte per character (every simple font) give their text directly; composite
/// (two-byte CID) fonts without a readable encoding give no text, and the caller says the
/// document must be checked by hand.
public enum PDFText {
    /// The largest PDF read: qualification documents are a few MiB; a larger one is refused.
    public static let maximumFileBytes = 64 << 20
    /// The most bytes one content stream may inflate to.
    public static let maximumStreamBytes = 16 << 20
    /// The most objects indexed in one file.
    public static let maximumObjects = 200_000
    /// The most text kept from one document; checks need the words, not a whole book.
    public static let maximumTextBytes = 8 << 20

    /// Whether `head` starts like a PDF (`%PDF-` within the first 1 KiB, as readers allow).
    public static func looksLikePDF(_ head: [UInt8]) -> Bool {
        let marker = Array("%PDF-".utf8)
        let limit = min(head.count, 1024)
        guard limit >= marker.count else { return false }
        for start in 0...(limit - marker.count) where head[start..<(start + marker.count)].elementsEqual(marker) {
            return true
        }
        return false
    }

    /// The text of the PDF in `bytes`, lines separated by `\n`; empty when it has none that can
    /// be read. Throws an `ImageError` when the file holds no PDF objects at all.
    public static func text(of bytes: [UInt8]) throws -> String {
        guard bytes.count <= maximumFileBytes else {
            throw ImageError(.limit, "the PDF is \(bytes.count) bytes, more than the \(maximumFileBytes)-byte limit")
        }
        let index = try PDFObjectIndex(bytes)
        guard !index.objects.isEmpty else { throw ImageError(.invalid, "no PDF objects found") }
        var builder = PDFTextBuilder()
        for number in index.contentStreams() {
            guard let data = try? index.streamData(number), !data.isEmpty else { continue }
            builder.readContent(data)
            builder.endStream()
            if builder.byteCount > maximumTextBytes { break }
        }
        return builder.finished()
    }
}

/// The objects of a PDF file, found by scanning for `n g obj`: each one's dictionary (when it has
/// one) and where its stream data lies. A scan, rather than the cross-reference table, also reads
/// files whose table is damaged or whose offsets are wrong.
struct PDFObjectIndex {
    struct Object {
        let number: Int
        let value: PDFValue?
        /// The byte range of the raw stream data, when the object is a stream.
        let stream: Range<Int>?
    }

    let bytes: [UInt8]
    private(set) var objects: [Int: Object] = [:]
    /// Object numbers in the order they appear in the file.
    private(set) var order: [Int] = []

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let keyword = Array("obj".utf8)
        var i = 0
        while i + 3 <= bytes.count {
            guard bytes[i] == keyword[0], bytes[i + 1] == keyword[1], bytes[i + 2] == keyword[2],
                  i + 3 == bytes.count || PDFLexer.isWhite(bytes[i + 3]) || PDFLexer.isDelimiter(bytes[i + 3]),
                  let number = Self.objectNumber(before: i, in: bytes) else {
                i += 1
                continue
            }
            guard order.count < PDFText.maximumObjects else {
                throw ImageError(.limit, "the PDF has more than \(PDFText.maximumObjects) objects")
            }
            var lexer = PDFLexer(bytes, from: i + 3)
            let value = lexer.nextValue()
            var stream: Range<Int>?
            var next = max(lexer.position, i + 3)
            if case .dictionary? = value {
                lexer.skipWhiteAndComments()
                let start = lexer.position
                if lexer.regularRun() == Array("stream".utf8) {
                    var dataStart = lexer.position
                    if lexer.peek() == 13 { dataStart += 1; lexer.position += 1 }
                    if lexer.peek() == 10 { dataStart += 1 }
                    let range = Self.streamRange(from: dataStart, declared: value?["Length"], in: bytes, objects: objects)
                    stream = range
                    next = range.upperBound
                } else {
                    lexer.position = start
                }
            }
            if objects[number] == nil { order.append(number) }
            objects[number] = Object(number: number, value: value, stream: stream)
            i = next
        }
    }

    /// The object number written before the `obj` keyword at `at` (`12 0 obj`), if there is one.
    static func objectNumber(before at: Int, in bytes: [UInt8]) -> Int? {
        var j = at - 1
        func skipWhite() { while j >= 0, PDFLexer.isWhite(bytes[j]) { j -= 1 } }
        func digits() -> Int? {
            var value = 0, scale = 1, count = 0
            while j >= 0, bytes[j] >= 0x30, bytes[j] <= 0x39, count < 10 {
                value += Int(bytes[j] - 0x30) * scale
                scale *= 10
                count += 1
                j -= 1
            }
            return count > 0 ? value : nil
        }
        guard j >= 0, PDFLexer.isWhite(bytes[j]) else { return nil }
        skipWhite()
        guard digits() != nil, j >= 0, PDFLexer.isWhite(bytes[j]) else { return nil }
        skipWhite()
        guard let number = digits() else { return nil }
        return j < 0 || PDFLexer.isWhite(bytes[j]) || PDFLexer.isDelimiter(bytes[j]) ? number : nil
    }

    /// Where a stream's data ends: its declared `/Length` when that lands on `endstream`, else
    /// the next `endstream` keyword (writers get lengths wrong), else the end of the file.
    static func streamRange(from start: Int, declared: PDFValue?, in bytes: [UInt8], objects: [Int: Object]) -> Range<Int> {
        let endKeyword = Array("endstream".utf8)
        var length = declared?.intValue
        if case let .reference(n, _)? = declared, let value = objects[n]?.value { length = value.intValue }
        if let length, length <= bytes.count - start {
            var k = start + length
            while k < bytes.count, PDFLexer.isWhite(bytes[k]) { k += 1 }
            if k + endKeyword.count <= bytes.count, bytes[k..<(k + endKeyword.count)].elementsEqual(endKeyword) {
                return start..<(start + length)
            }
        }
        var k = start
        while k + endKeyword.count <= bytes.count {
            if bytes[k] == endKeyword[0], bytes[k..<(k + endKeyword.count)].elementsEqual(endKeyword) {
                var stop = k
                if stop > start, bytes[stop - 1] == 10 { stop -= 1 }
                if stop > start, bytes[stop - 1] == 13 { stop -= 1 }
                return start..<stop
            }
            k += 1
        }
        return start..<bytes.count
    }

    /// The streams whose operators draw text: each page's `/Contents` (pages in file order), then
    /// form XObjects. When no page is found (pages packed in object streams), every stream that
    /// is not an image, font, metadata or index.
    func contentStreams() -> [Int] {
        var chosen: [Int] = []
        var seen = Set<Int>()
        func add(_ n: Int) { if objects[n]?.stream != nil, seen.insert(n).inserted { chosen.append(n) } }
        for number in order {
            guard let value = objects[number]?.value, value["Type"]?.nameValue == "Page" else { continue }
            switch value["Contents"] {
            case let .reference(n, _)?: add(n)
            case let .array(items)?:
                for case let .reference(n, _) in items { add(n) }
            default: break
            }
        }
        for number in order where objects[number]?.value?["Subtype"]?.nameValue == "Form" { add(number) }
        if !chosen.isEmpty { return chosen }
        let skippedTypes: Set<String> = ["XRef", "ObjStm", "Metadata", "EmbeddedFile", "XObject"]
        for number in order {
            guard let object = objects[number], object.stream != nil, let dict = object.value else { continue }
            if let type = dict["Type"]?.nameValue, skippedTypes.contains(type) { continue }
            if dict["Subtype"] != nil || dict["Length1"] != nil || dict["Length2"] != nil || dict["Length3"] != nil { continue }
            if dict["FunctionType"] != nil || dict["N"] != nil { continue } // functions, ICC profiles
            add(number)
        }
        return chosen
    }

    /// The decoded data of stream `number`: raw, or inflated when its only filter is FlateDecode.
    /// Throws for other filters, which text never uses in practice.
    func streamData(_ number: Int) throws -> [UInt8] {
        guard let object = objects[number], let range = object.stream else { return [] }
        let raw = bytes[range]
        var filters: [String] = []
        switch object.value?["Filter"] {
        case let .name(n)?: filters = [n]
        case let .array(items)?: filters = items.compactMap(\.nameValue)
        default: break
        }
        switch filters {
        case []: return Array(raw.prefix(PDFText.maximumStreamBytes))
        case ["FlateDecode"], ["Fl"]:
            return try Decompression.inflateStream(raw, limit: PDFText.maximumStreamBytes, allowTruncated: true)
        default:
            throw ImageError(.unsupported, "stream \(number) uses the filters \(filters.joined(separator: ", ")), which koopack does not decode")
        }
    }
}
