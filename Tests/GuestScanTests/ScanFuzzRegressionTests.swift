import Foundation
import Testing
import DiskImage
@testable import GuestScan

/// Inputs the guest scan's fuzz targets broke koopack with, kept under
/// testdata/fuzz-regressions/<target>/ and fed through the target's entry point.
@Suite struct ScanFuzzRegressionTests {
    static func input(_ target: String, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: SourceTree.testdata("fuzz-regressions/\(target)/\(name)"))))
    }

    @Test func anLVMLabelWhoseUUIDHoldsANonASCIILetterIsKeptAsTextNotATrap() throws {
        let disk = MemoryByteSource(try Self.input("image-identities", "lvm-uuid-non-ascii-letter.img"))
        let view = try GuestView.read(from: disk)
        let identities = ImageIdentities.read(disk: disk, view: view)
        // The 32 bytes are not LVM's ASCII UUID, so they are not grouped with dashes.
        let uuids = identities.volumes.compactMap(\.identity.uuid)
        #expect(!uuids.contains { $0.contains("-") && $0.unicodeScalars.contains { !$0.isASCII } })
    }
}
