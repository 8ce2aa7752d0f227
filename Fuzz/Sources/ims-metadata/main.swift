import DiskImage
import FuzzSupport
import ImagePackage

/// An IMS metadata document: one image, an array, or an IMS list response.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    if let images = try? IMSMetadata.parseDocument(fuzzBytes(start, count), file: "fuzz.json") {
        _ = IMSMetadata.pick(from: images, imageID: "x", imageFileName: "x.qcow2")
        for image in images.prefix(8) { _ = image.flag("__isregistered") }
    }
    return 0
}

runFuzzer(fuzzTestOneInput)
