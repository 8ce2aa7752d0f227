import Testing
@testable import DiskImage

@Suite struct RawFormatTests {
    @Test func anUnrecognisedFileIsRawWithItsOwnSizeAsTheDisk() throws {
        let source = MemoryByteSource([UInt8](repeating: 0xAB, count: 3000))
        let info = try ImageInspector().inspectHeader(source, filename: "disk.img")
        #expect(info.format == "raw")
        #expect(info.virtualSize == 3000)
        #expect(info.dirty == false)
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func agreesWithQemuImgOnARawFile() throws {
        let directory = try Scratch()
        let file = directory.file("disk.raw")
        try QemuImg.run(["create", "-f", "raw", file, "5M"])
        try expectAgreesWithQemu(file)
    }
}
