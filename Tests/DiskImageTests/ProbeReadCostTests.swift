import Testing
@testable import DiskImage

/// Probing stops at the first format that is certain, so an image with a magic number in its
/// first 4 KiB is recognised from that one read: the ISO probe (32 KiB in) and the fixed-VHD
/// probe (the file's last sector) never read it. Images made by qemu-img.
@Suite struct ProbeReadCostTests {
    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"),
          arguments: [("qcow2", "qcow2"), ("vmdk", "vmdk"), ("vhdx", "vhdx"), ("vdi", "vdi"), ("vpc", "vpc"), ("qed", "qed")])
    func anImageWithAMagicNumberIsProbedFromItsHeadAlone(qemuFormat: String, expected: String) throws {
        let directory = try Scratch()
        let file = directory.file("disk.img")
        try QemuImg.run(["create", "-q", "-f", qemuFormat, file, "1G"])
        let source = CountingByteSource(try FileByteSource(path: file))
        let format = try ImageInspector.probe(source, filename: file)
        #expect(format.name == expected)
        #expect(source.reads == 1)
        #expect(source.bytesRead <= UInt64(ProbeInput.headLength))
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aFixedVHDIsStillFoundByItsFooter() throws {
        let directory = try Scratch()
        let file = directory.file("fixed.vhd")
        try QemuImg.run(["create", "-q", "-f", "vpc", "-o", "subformat=fixed", file, "16M"])
        #expect(try ImageInspector.probe(try FileByteSource(path: file), filename: file).name == "vpc")
    }
}
