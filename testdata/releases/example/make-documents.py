#!/usr/bin/env python3
"""Makes the binary documents of the example release from the text files beside them.

  documents/user-guide.pdf   the lines of documents/user-guide.md, one text line each
  documents/certificate.pdf  the lines of documents/certificate.txt
  documents/scanned.pdf      one page holding only an image: a PDF with no text
  documents/eula.docx        the lines of documents/eula.txt, one paragraph each

PDFs are written object by object with a FlateDecode content stream (Python's zlib) and a
correct cross-reference table; the DOCX is zipped with zip(1) from a minimal
[Content_Types].xml, _rels/.rels and word/document.xml. Run from this folder:
    python3 make-documents.py
"""
import os
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "documents")


def pdf_literal(text):
    """A PDF literal string: backslash, parentheses escaped; Latin-1 bytes."""
    body = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + body.encode("latin-1") + b")"


def write_pdf(path, objects):
    """objects: list of bytes, object i+1 is objects[i]. Object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    with open(path, "wb") as f:
        f.write(out)


def stream(dictionary, data):
    packed = zlib.compress(data, 9)
    return (b"<< " + dictionary + b" /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
            + packed + b"\nendstream")


def text_pdf(path, lines):
    """One page per 45 lines of Helvetica 11 pt. Every third line is shown with TJ and kerning,
    every fifth as a hex string, to exercise each way of showing text."""
    pages = [lines[i:i + 45] for i in range(0, len(lines), 45)] or [[]]
    objects = [None, None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for page_lines in pages:
        ops = [b"BT", b"/F1 11 Tf", b"72 760 Td"]
        for n, line in enumerate(page_lines):
            if n > 0:
                ops.append(b"0 -15 Td")
            if not line:
                continue
            if n % 5 == 4:
                ops.append(b"<" + line.encode("latin-1").hex().upper().encode() + b"> Tj")
            elif n % 3 == 2 and " " in line:
                first, rest = line.split(" ", 1)
                ops.append(b"[" + pdf_literal(first) + b" -300 " + pdf_literal(rest) + b"] TJ")
            else:
                ops.append(pdf_literal(line) + b" Tj")
        ops.append(b"ET")
        content = stream(b"", b"\n".join(ops) + b"\n")
        objects.append(content)
        content_number = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_number)
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    write_pdf(path, objects)


def image_pdf(path):
    """One page that draws a 16x16 grey gradient image and holds no text at all."""
    pixels = bytes((x * 16 + y) % 256 for y in range(16) for x in range(16))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        stream(b"/Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8", pixels),
        stream(b"", b"q 400 0 0 400 100 200 cm /Im1 Do Q\n"),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 3 0 R >> >> /Contents 4 0 R >>",
    ]
    write_pdf(path, objects)


def xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx(path, lines):
    """Each line a paragraph; a line with a comma is split into two runs at it."""
    paragraphs = []
    for line in lines:
        if "," in line:
            a, b = line.split(",", 1)
            runs = ('<w:r><w:t xml:space="preserve">%s,</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>'
                    % (xml_text(a), xml_text(b)))
        elif line:
            runs = "<w:r><w:t>%s</w:t></w:r>" % xml_text(line)
        else:
            runs = ""
        paragraphs.append("<w:p>%s</w:p>" % runs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body>" + "".join(paragraphs) + "<w:sectPr/></w:body></w:document>\n")
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                     "</Types>\n")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>\n")
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "_rels"))
        os.makedirs(os.path.join(tmp, "word"))
        for name, text in (("[Content_Types].xml", content_types), ("_rels/.rels", rels), ("word/document.xml", document)):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
            os.utime(os.path.join(tmp, name), (1704067200, 1704067200))
        if os.path.exists(path):
            os.remove(path)
        subprocess.run(["zip", "-X", "-q", path, "[Content_Types].xml", "_rels/.rels", "word/document.xml"],
                       cwd=tmp, check=True)


def lines_of(name):
    with open(os.path.join(DOCS, name), encoding="utf-8") as f:
        return f.read().rstrip("\n").split("\n")


if __name__ == "__main__":
    text_pdf(os.path.join(DOCS, "user-guide.pdf"), lines_of("user-guide.md"))
    text_pdf(os.path.join(DOCS, "certificate.pdf"), lines_of("certificate.txt"))
    image_pdf(os.path.join(DOCS, "scanned.pdf"))
    docx(os.path.abspath(os.path.join(DOCS, "eula.docx")), lines_of("eula.txt"))
