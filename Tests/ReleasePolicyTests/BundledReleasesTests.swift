import Testing
@testable import ReleasePolicy

/// Which images of the ledger's bundles the audit counts as released.
@Suite struct BundledReleasesTests {
    @Test func onlyTheImagesOfBundlesRecordedAsUploadedAreReleased() {
        let register = ReleaseRegister(bundled: [
            BundledImage(imageID: "a", productID: "OFFI1", bundleID: "up", uploaded: true),
            BundledImage(imageID: "b", productID: nil, bundleID: "up", uploaded: true),
            BundledImage(imageID: "c", productID: "OFFI2", bundleID: "written-only", uploaded: false),
        ])
        #expect(register.releasedImageIDs == ["a", "b"])
        #expect(register.releasedProductIDs == ["OFFI1"])
        #expect(ReleaseRegister(bundled: []) == ReleaseRegister())
    }
}
