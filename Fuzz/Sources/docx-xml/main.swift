import DiskImage
import FuzzSupport
import ReleaseBundle

/// The text of a Word document's `word/document.xml`.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = DOCXText.text(ofDocumentXML: fuzzBytes(start, count))
    return 0
}

runFuzzer(fuzzTestOneInput)
