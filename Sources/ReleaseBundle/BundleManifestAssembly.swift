import QuotaLedger

extension BundleManifest {
    /// The manifest of a bundle of `release`: its facts, the quota it was planned under, and
    /// `files` laid out on `days`. Each specification names its image and metadata by their
    /// names in the bundle (`items`), or its IMS image ID.
    public init(release: Release, items: [BundleItem], bundleID: String, createdAt: Int64, limits: QuotaLimits,
                days: [Day], files: [File]) {
        var regions: [String] = []
        for spec in release.specifications { for region in spec.regions where !regions.contains(region) { regions.append(region) } }
        let nameOf: (ReleaseFile?) -> String? = { file in
            guard let file else { return nil }
            return items.first { $0.source == file.path }?.name
        }
        let specifications = release.specifications.map { spec -> SpecificationEntry in
            var imageFile: String?, imageID: String?
            switch spec.image.source {
            case .file(let file): imageFile = nameOf(file)
            case .imsID(let id): imageID = id
            }
            return SpecificationEntry(name: spec.name, imageFile: imageFile, imageID: imageID,
                                      metadataFile: nameOf(spec.image.metadata), regions: spec.regions)
        }
        self.init(bundleID: bundleID, createdAt: createdAt, product: release.product.name,
                  pricingMode: release.pricing.mode.rawValue, pricingTemplate: release.pricing.template.rawValue,
                  isPublic: release.isPublic, regions: regions, specifications: specifications,
                  filesPerDay: limits.filesPerDay, bytesPerDay: limits.bytesPerDay, timeZone: limits.timeZoneName,
                  days: days, files: files)
    }
}
