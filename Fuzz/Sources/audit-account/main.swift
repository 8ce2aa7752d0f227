import DiskImage
import FuzzSupport
import ReleasePolicy

/// One image list file of an account, added to an empty account.
func fuzzTestOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var account = ImageAccount()
    try? account.add(document: fuzzBytes(start, count), file: "images-ap-southeast-3.json", region: nil)
    _ = account.image(id: "x")
    return 0
}

runFuzzer(fuzzTestOneInput)
