import Findings

extension RuleCatalogue {
    /// The KG1xx image rules koopack evaluates, in ID order: the catalogue's definitions with
    /// their checks (defined by family in `Rules/`).
    public static let imageRules: [Rule] = [
        Rules.fullECSImage, Rules.notSystemDisk, Rules.sharedImage, Rules.encryptedImage,
        Rules.releasedImage, Rules.marketDerived, Rules.externalOrigin, Rules.packageTooLarge,
        Rules.packageNearLimit, Rules.regionNotAllowed, Rules.regionUnknown, Rules.notSelfContained,
        Rules.formatNotAccepted, Rules.headerDamaged, Rules.firmwareMismatch, Rules.minDiskTooSmall,
        Rules.releaseLocksImage, Rules.imageNotActive, Rules.backupOrigin, Rules.marketNotSupported,
        Rules.diskSizeOutOfRange, Rules.metadataMissing, Rules.notExportable,
    ]
}
