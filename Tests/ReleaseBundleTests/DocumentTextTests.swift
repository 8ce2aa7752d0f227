import DiskImage
import Foundation
import Testing
@testable import ReleaseBundle

@Suite struct DocumentTextTests {
    static func document(_ name: String) -> String {
        ExampleRelease.source.appendingPathComponent("documents/\(name)").path
    }

    static func sourceText(_ name: String) throws -> String {
        try String(contentsOfFile: document(name), encoding: .utf8)
    }

    @Test func thePDFGivesTheLinesItWasMadeFrom() throws {
        // make-documents.py shows each non-empty line of user-guide.md as one text line.
        let expected = try Self.sourceText("user-guide.md").split(separator: "\n").joined(separator: "\n")
        #expect(DocumentText.read(path: Self.document("user-guide.pdf")) == .text(expected))
        let certificate = try Self.sourceText("certificate.txt").split(separator: "\n").joined(separator: "\n")
        #expect(DocumentText.read(path: Self.document("certificate.pdf")) == .text(certificate))
    }

    @Test func theDOCXGivesTheTextItWasMadeFrom() throws {
        var expected = try Self.sourceText("eula.txt")
        if expected.hasSuffix("\n") { expected.removeLast() }
        #expect(DocumentText.read(path: Self.document("eula.docx")) == .text(expected))
    }

    @Test func plainTextAndMarkdownAreReadAsTheyAre() throws {
        #expect(DocumentText.read(path: Self.document("user-guide.md")) == .text(try Self.sourceText("user-guide.md")))
    }

    @Test func aPDFWithOnlyAnImageHasNoText() {
        guard case let .noText(reason) = DocumentText.read(path: Self.document("scanned.pdf")) else {
            Issue.record("expected no text")
            return
        }
        #expect(reason.contains("no text koopack can extract"))
    }

    @Test func kindsAreJudgedByContentNotByName() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let disguised = example.folder.appendingPathComponent("guide.txt")
        try FileManager.default.copyItem(atPath: Self.document("user-guide.pdf"), toPath: disguised.path)
        #expect(DocumentText.read(path: disguised.path).text?.hasPrefix("# Acme WebStack user guide") == true)
        let docxAsPDF = example.folder.appendingPathComponent("eula.pdf")
        try FileManager.default.copyItem(atPath: Self.document("eula.docx"), toPath: docxAsPDF.path)
        #expect(DocumentText.read(path: docxAsPDF.path).text?.hasPrefix("END USER LICENSE AGREEMENT") == true)
    }

    @Test func utf16TextWithAByteOrderMarkIsRead() {
        let text = "Licence \u{00E9}t\u{00E9}\r\nLine two \u{4E2D}\u{6587}"
        let little: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let big: [UInt8] = [0xFE, 0xFF] + text.utf16.flatMap { unit -> [UInt8] in [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        #expect(DocumentText.decodeText(little) == "Licence \u{00E9}t\u{00E9}\nLine two \u{4E2D}\u{6587}")
        #expect(DocumentText.decodeText(big) == "Licence \u{00E9}t\u{00E9}\nLine two \u{4E2D}\u{6587}")
        #expect(DocumentText.decodeText([0xEF, 0xBB, 0xBF] + Array("bom".utf8)) == "bom")
    }

    @Test func binaryDataIsNotADocument() throws {
        #expect(DocumentText.decodeText([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00]) == nil)
        #expect(DocumentText.decodeText([0x41, 0xC3, 0x28]) == nil) // invalid UTF-8
        #expect(DocumentText.kind(ofHead: [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 3]) == .other)
        guard case .notADocument = DocumentText.read(path: "/nonexistent/eula.txt") else {
            Issue.record("a missing file should not be a document")
            return
        }
    }

    @Test func aPrefixCutInsideACharacterIsStillText() {
        let bytes = Array("caf\u{00E9}".utf8)
        #expect(DocumentText.decodeText(Array(bytes.dropLast()), isPrefix: true) == "caf")
        #expect(DocumentText.decodeText(Array(bytes.dropLast()), isPrefix: false) == nil)
        #expect(DocumentText.decodeText(bytes, isPrefix: true) == "caf\u{00E9}")
    }
}

@Suite struct PDFTextTests {
    /// A one-page PDF whose content stream is `content`, uncompressed or FlateDecode'd by zlib.
    static func pdf(content: [UInt8], compressed: Bool = false) throws -> [UInt8] {
        var body = content
        var filter = ""
        if compressed {
            body = try zlibCompress(content)
            filter = " /Filter /FlateDecode"
        }
        var out = Array("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n4 0 obj\n<< /Length \(body.count)\(filter) >>\nstream\n".utf8)
        out += body
        out += Array("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)
        return out
    }

    /// zlib-compresses with Python's zlib, the tool the fixtures are made with.
    static func zlibCompress(_ bytes: [UInt8]) throws -> [UInt8] {
        try Tool.capture("python3", ["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"],
                         input: bytes).output
    }

    @Test func escapesHexStringsAndEveryShowOperatorAreRead() throws {
        let content = Array("""
        BT /F1 12 Tf 72 700 Td (Paren \\(one\\) back\\\\slash \\101\\102) Tj
        0 -14 Td <48656C6C6F> Tj
        0 -14 Td [(Kern) -400 (space) 20 (d)] TJ
        (quote line) '
        1 0 1 (double quote line) "
        T* (after T*) Tj
        1 0 0 1 72 600 Tm (after Tm) Tj
        ET
        """.utf8)
        let text = try PDFText.text(of: try Self.pdf(content: content, compressed: true))
        #expect(text == "Paren (one) back\\slash AB\nHello\nKern spaced\nquote line\ndouble quote line\nafter T*\nafter Tm")
    }

    @Test func anUncompressedStreamIsReadToo() throws {
        let text = try PDFText.text(of: try Self.pdf(content: Array("BT (plain) Tj ET".utf8)))
        #expect(text == "plain")
    }

    @Test func textOutsideBTAndInlineImagesAreIgnored() throws {
        let content = Array("(outside) Tj\nBI /W 2 /H 2 /BPC 8 /CS /G ID \u{01}(x) Tj\u{02} EI\nBT (inside) Tj ET".utf8)
        #expect(try PDFText.text(of: try Self.pdf(content: content)) == "inside")
    }

    @Test func damagedDeflateDataGivesNoTextNotATrap() throws {
        var bytes = try Self.pdf(content: Array("BT (hello) Tj ET".utf8), compressed: true)
        let marker = Array("stream\n".utf8)
        let at = try #require((0..<(bytes.count - marker.count)).first { bytes[$0..<($0 + marker.count)].elementsEqual(marker) })
        for i in (at + marker.count + 2)..<(at + marker.count + 8) { bytes[i] ^= 0x5A }
        #expect(try PDFText.text(of: bytes) == "")
    }

    @Test func aTruncatedPDFDoesNotTrap() throws {
        let bytes = try Self.pdf(content: Array("BT (hello world) Tj ET".utf8), compressed: true)
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            _ = try? PDFText.text(of: Array(bytes.prefix(cut)))
        }
    }

    @Test func deepNestingAndAbsurdLengthsAreBounded() throws {
        let deep = Array(repeating: UInt8(ascii: "["), count: 200_000) + Array(" (x) TJ".utf8)
        let nested = Array("BT ".utf8) + deep + Array(" ET".utf8)
        _ = try PDFText.text(of: try Self.pdf(content: nested))
        let dicts = Array("%PDF-1.4\n1 0 obj\n".utf8) + Array(repeating: UInt8(ascii: "<"), count: 200_000) + Array("\nendobj\n".utf8)
        _ = try PDFText.text(of: dicts)
        var absurd = try Self.pdf(content: Array("BT (long) Tj ET".utf8))
        let text = String(decoding: absurd, as: UTF8.self).replacingOccurrences(of: "/Length 15", with: "/Length 999999999999")
        absurd = Array(text.utf8)
        #expect(try PDFText.text(of: absurd) == "long")
    }

    @Test func aStreamInflatingPastItsLimitIsRefused() throws {
        let zeros = try Self.zlibCompress([UInt8](repeating: 0, count: 1 << 20))
        #expect(throws: ImageError.self) { try Decompression.inflateStream(zeros[...], limit: 1 << 19) }
        #expect(try Decompression.inflateStream(zeros[...], limit: 1 << 20).count == 1 << 20)
        #expect(throws: ImageError.self) { try Decompression.inflateStream(zeros.dropLast(8), limit: 1 << 20) }
        #expect(try Decompression.inflateStream(zeros.dropLast(8), limit: 1 << 20, allowTruncated: true).count > 0)
        #expect(throws: ImageError.self) { try Decompression.inflateStream([1, 2, 3, 4, 5][...], limit: 100) }
    }

    @Test func aFileWithNoObjectsIsAnError() {
        #expect(throws: ImageError.self) { try PDFText.text(of: Array("%PDF-1.4\nnothing here\n".utf8)) }
    }
}

@Suite struct DOCXTextTests {
    @Test func runsTabsBreaksAndEntitiesAreRead() {
        let xml = Array("""
        <?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t>A &amp; B</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve"> &lt;x&gt; &#65;&#x42;</w:t></w:r></w:p>\
        <w:p><w:r><w:t>one</w:t><w:br/><w:t>two</w:t></w:r></w:p><w:p/><w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>
        """.utf8)
        #expect(DOCXText.text(ofDocumentXML: xml) == "A & B\t <x> AB\none\ntwo\ncell")
    }

    @Test func aZipWithoutADocumentBodyIsAnError() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let zip = example.root.appendingPathComponent("other.zip").path
        try Tool.run("zip", ["-q", "-j", zip, example.folder.appendingPathComponent("documents/eula.txt").path])
        #expect(throws: ImageError.self) { try DOCXText.text(ofFileAt: zip) }
        guard case .notADocument = DocumentText.read(path: zip) else {
            Issue.record("a zip that is not a DOCX should not be a document")
            return
        }
    }
}
