/// An image that a release bundle entered in the release register kept beside the upload
/// ledger, and whether that bundle went up.
public struct BundledImage: Sendable, Equatable {
    /// The IMS image ID.
    public var imageID: String
    /// The KooGallery product ID, when known.
    public var productID: String?
    /// The bundle that carried it.
    public var bundleID: String
    /// Whether any file of the bundle was recorded as uploaded (`koopack quota record`).
    public var uploaded: Bool

    public init(imageID: String, productID: String?, bundleID: String, uploaded: Bool) {
        self.imageID = imageID
        self.productID = productID
        self.bundleID = bundleID
        self.uploaded = uploaded
    }
}

extension ReleaseRegister {
    /// The register the bundles make: the images (and products) of every bundle recorded as
    /// uploaded. A bundle that was only written has not been released yet, so its images are
    /// not locked.
    public init(bundled: [BundledImage]) {
        self.init()
        for image in bundled where image.uploaded {
            releasedImageIDs.insert(image.imageID)
            if let product = image.productID { releasedProductIDs.insert(product) }
        }
    }
}
