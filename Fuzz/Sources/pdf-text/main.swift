import DiskImage
import FuzzSupport
import ReleaseBundle

/// The text of a PDF: object index, streams (deflated), content operators, fonts' ToUnicode.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? PDFText.text(of: fuzzBytes(start, count))
    return 0
}

runFuzzer(fuzzTestOneInput)
