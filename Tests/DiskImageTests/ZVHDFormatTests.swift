import Foundation
import Testing
@testable import DiskImage

@Suite struct ZVHDFormatTests {
    @Test(arguments: [("disk.zvhd", "zvhd"), ("DISK.ZVHD2", "zvhd2"), ("a.b.zvhd2", "zvhd2")])
    func aZVHDIsRecognisedByExtensionAndSaysItsHeaderWasNotRead(filename: String, format: String) throws {
        let directory = try Scratch()
        let path = try directory.write(filename, [UInt8](repeating: 0x5A, count: 12345))
        let info = try ImageInspector().inspect(path: path)
        #expect(info.format == format)
        #expect(info.headerRead == false)
        #expect(info.virtualSize == 0)
        #expect(info.warnings.contains(where: { $0.contains("header was not read") && $0.contains("no public specification") }))
        #expect(info.formatSpecific?["type"] == .string(format))
        #expect(info.formatSpecific?["data"]?["file-size"] == .uint(12345))
        #expect(info.json["header-read"] == .bool(false))
    }

    @Test func theGuestDiskOfAZVHDCannotBeOpenedAndTheErrorSaysWhy() throws {
        let directory = try Scratch()
        let path = try directory.write("disk.zvhd2", [UInt8](repeating: 0, count: 4096))
        #expect(throws: ImageError.self) { try ImageInspector().openGuest(path: path) }
        do { _ = try ImageInspector().openGuest(path: path) } catch let error as ImageError {
            #expect(error.kind == .unsupported)
            #expect(error.message.contains("ZVHD2 has no public specification"))
            #expect(error.file == path)
        }
    }

    @Test func aMagicNumberBeatsTheZVHDExtensionAndAnyOtherNameIsRaw() throws {
        var iso = [UInt8](repeating: 0, count: 40960)
        iso[32768] = 1
        iso.replaceSubrange(32769..<32774, with: Array("CD001".utf8))
        iso[34816] = 255
        iso.replaceSubrange(34817..<34822, with: Array("CD001".utf8))
        #expect(try ImageInspector.probe(MemoryByteSource(iso), filename: "x.zvhd") == ISO9660Format.self)
        #expect(try ImageInspector.probe(MemoryByteSource([1, 2, 3]), filename: "x.zvhd") == ZVHDFormat.self)
        #expect(try ImageInspector.probe(MemoryByteSource([1, 2, 3]), filename: "x.zvhd.bak") == RawFormat.self)
        #expect(ImageFormats.named("zvhd2") != nil && ImageFormats.named("zvhd") != nil && ImageFormats.named("iso") != nil)
    }
}
