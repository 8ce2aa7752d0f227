import DiskImage
import Foundation
import Testing
@testable import ImagePackage

@Suite struct ImageDiscoveryTests {
    static let sidecar = #"{"id": "5b3d7c9e-2f41-4a8b-9c6d-1e7f3a5b8d20", "name": "web-server", "min_disk": 40, "region": "ap-southeast-3"}"#

    @Test func sidecarNamesAreTheImageNameWithJSONAddedOrInPlaceOfTheExtension() {
        #expect(ImageDiscovery.sidecarNames(for: "dir/disk.qcow2") == ["dir/disk.qcow2.json", "dir/disk.json"])
        #expect(ImageDiscovery.sidecarNames(for: "disk") == ["disk.json"])
        #expect(ImageDiscovery.sidecarNames(for: "/x/.hidden") == ["/x/.hidden.json"])
        #expect(ImageDiscovery.sidecarNames(for: "a.b/disk.tar.gz") == ["a.b/disk.tar.gz.json", "a.b/disk.tar.json"])
    }

    @Test(arguments: ["disk.qcow2.json", "disk.json"])
    func eitherSidecarNameIsFound(_ sidecarName: String) throws {
        let scratch = try Scratch()
        try scratch.write("disk.qcow2", pattern(4096, seed: 1))
        try scratch.write(sidecarName, Array(Self.sidecar.utf8))
        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        let input = try #require(inputs.count == 1 ? inputs.first : nil)
        #expect(input.displayName == scratch.file("disk.qcow2"))
        #expect(input.metadataFile == scratch.file(sidecarName))
        #expect(input.metadata?.minDisk == 40)
        #expect(input.packageBytes == 4096)
        // The same pairing when the image file itself is named.
        let direct = try ImageDiscovery.discover(scratch.file("disk.qcow2"), options: DiscoveryOptions())
        #expect(direct.first?.metadataFile == scratch.file(sidecarName))
    }

    @Test func theFullSidecarNameWinsOverTheShortOne() throws {
        let scratch = try Scratch()
        try scratch.write("disk.qcow2", pattern(512, seed: 1))
        try scratch.write("disk.qcow2.json", Array(#"{"min_disk": 50}"#.utf8))
        try scratch.write("disk.json", Array(#"{"min_disk": 60}"#.utf8))
        let input = try #require(try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions()).first)
        #expect(input.metadata?.minDisk == 50)
    }

    @Test func companionFilesAreNotImages() throws {
        let scratch = try Scratch()
        try scratch.write("web.raw", pattern(1024, seed: 2))
        for name in ["web.raw.json", "README.md", "notes.txt", "SHA256SUMS", "web.raw.sha256", "app.ovf", "app.mf",
                     "release.yaml", "eula.pdf", "guide.docx", ".DS_Store", "web.raw.asc"] {
            try scratch.write(name, Array("x".utf8))
        }
        try FileManager.default.createDirectory(atPath: scratch.file("base"), withIntermediateDirectories: true)
        try scratch.write("base/other.raw", pattern(1024, seed: 3))
        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        #expect(inputs.map(\.displayName) == [scratch.file("web.raw")])
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aVMDKDescriptorOwnsItsExtentsAndTheirBytes() throws {
        let scratch = try Scratch()
        // twoGbMaxExtentSparse: a descriptor (disk.vmdk) and three sparse extents disk-s00N.vmdk.
        try scratch.run("/usr/bin/qemu-img", ["create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "disk.vmdk", "5G"])
        try scratch.write("disk.vmdk.json", Array(Self.sidecar.utf8))
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasSuffix(".vmdk") }.sorted()
        #expect(files == ["disk-s001.vmdk", "disk-s002.vmdk", "disk-s003.vmdk", "disk.vmdk"])
        let total = try files.reduce(UInt64(0)) { $0 + (try scratch.size($1)) }

        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        let input = try #require(inputs.count == 1 ? inputs.first : nil, "\(inputs.map(\.displayName))")
        #expect(input.displayName == scratch.file("disk.vmdk"))
        #expect(input.packageBytes == total)
        #expect(input.metadata?.id == "5b3d7c9e-2f41-4a8b-9c6d-1e7f3a5b8d20")
    }

    @Test(.enabled(if: QemuImg.available, "qemu-img is not installed"))
    func aFlatVMDKExtentIsNotAnImageOfItsOwn() throws {
        let scratch = try Scratch()
        try scratch.run("/usr/bin/qemu-img", ["create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", "flat.vmdk", "64M"])
        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        #expect(inputs.map(\.displayName) == [scratch.file("flat.vmdk")])
        #expect(inputs.first?.packageBytes == (try scratch.size("flat.vmdk")) + (try scratch.size("flat-flat.vmdk")))
    }

    @Test func aDamagedSidecarMarksOnlyItsImage() throws {
        let scratch = try Scratch()
        try scratch.write("a.raw", pattern(512, seed: 4))
        try scratch.write("a.raw.json", Array(#"{"min_disk": "forty"}"#.utf8))
        try scratch.write("b.raw", pattern(512, seed: 5))
        let inputs = try ImageDiscovery.discover(scratch.path, options: DiscoveryOptions())
        #expect(inputs.map(\.displayName) == [scratch.file("a.raw"), scratch.file("b.raw")])
        let problem = try #require(inputs.first?.unreadable)
        #expect(problem.description.contains("a.raw.json") && problem.description.contains("min_disk"))
        #expect(inputs.last?.unreadable == nil)
        // Named directly, the image's damaged sidecar is an error.
        #expect(throws: ImageError.self) { try ImageDiscovery.discover(scratch.file("a.raw"), options: DiscoveryOptions()) }
    }

    @Test func aMetadataListIsPickedByImageIDThenByName() throws {
        let scratch = try Scratch()
        try scratch.write("web-server.qcow2", pattern(512, seed: 6))
        let list = #"{"images": [{"id": "11111111-1111-4111-8111-111111111111", "name": "web-server", "min_disk": 41}, {"id": "22222222-2222-4222-8222-222222222222", "name": "db", "min_disk": 42}]}"#
        let listFile = try scratch.write("list.json", Array(list.utf8))
        let byID = try ImageDiscovery.discover(scratch.file("web-server.qcow2"),
                                               options: DiscoveryOptions(metadataFile: listFile, imageID: "22222222-2222-4222-8222-222222222222"))
        #expect(byID.first?.metadata?.minDisk == 42)
        let byName = try ImageDiscovery.discover(scratch.file("web-server.qcow2"), options: DiscoveryOptions(metadataFile: listFile))
        #expect(byName.first?.metadata?.minDisk == 41)
        let none = try ImageDiscovery.discover(scratch.file("web-server.qcow2"),
                                               options: DiscoveryOptions(metadataFile: listFile, imageID: "33333333-3333-4333-8333-333333333333"))
        // An unknown ID falls back to the name.
        #expect(none.first?.metadata?.minDisk == 41)
    }

    @Test func aMissingArgumentIsAnErrorNamingIt() throws {
        let error = try #require(throws: ImageError.self) {
            try ImageDiscovery.discover("/nonexistent/disk.qcow2", options: DiscoveryOptions())
        }
        #expect(error.description.contains("/nonexistent/disk.qcow2"))
    }
}
