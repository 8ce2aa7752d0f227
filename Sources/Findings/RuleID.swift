/// Every rule koopack knows, by its stable ID (the raw value, e.g. `KG101`): the KG1xx image
/// rules, the KG2xx release document rules, the KG3xx upload quota rules and the KG4xx security
/// scan rules of DOMAIN.md. A rule that is not here cannot fire, so a finding always has a
/// definition in `RuleCatalogue`.
public enum RuleID: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    // KG1xx: the image and its IMS metadata.
    case fullECSImage = "KG101"
    case notSystemDisk = "KG102"
    case sharedImage = "KG103"
    case encryptedImage = "KG104"
    case releasedImage = "KG105"
    case marketDerived = "KG106"
    case externalOrigin = "KG107"
    case packageTooLarge = "KG108"
    case packageNearLimit = "KG109"
    case regionNotAllowed = "KG110"
    case regionUnknown = "KG111"
    case notSelfContained = "KG112"
    case formatNotAccepted = "KG113"
    case headerDamaged = "KG114"
    case firmwareMismatch = "KG115"
    case minDiskTooSmall = "KG116"
    case releaseLocksImage = "KG117"
    case imageNotActive = "KG118"
    case backupOrigin = "KG119"
    case marketNotSupported = "KG120"
    case diskSizeOutOfRange = "KG121"
    case metadataMissing = "KG122"
    case notExportable = "KG123"
    // KG2xx: the release's documents and product details.
    case eulaUnfilled = "KG201"
    case supportTimeZone = "KG202"
    case supportContact = "KG203"
    case userGuideIncomplete = "KG204"
    case certificateMissing = "KG205"
    case ossNoticeMissing = "KG206"
    case freeVCPUPricing = "KG207"
    case productTextMissing = "KG208"
    case seoMissing = "KG209"
    case hiddenProduct = "KG210"
    // KG3xx: the daily upload quota.
    case quotaFiles = "KG301"
    case quotaBytes = "KG302"
    case fileOverDailyQuota = "KG303"
    // KG4xx: the security scan of the guest's files.
    case presetPassword = "KG401"
    case emptyPassword = "KG402"
    case presetSSHKey = "KG403"
    case privateKeyLeft = "KG404"
    case sshHostKeysLeft = "KG405"
    case shellHistoryLeft = "KG406"
    case cloudInitMissing = "KG407"
    case cloudInitStateLeft = "KG408"
    case osMismatch = "KG409"
    case scanNotDone = "KG410"
    case cloudCredentialsLeft = "KG411"
    case machineIDBaked = "KG412"
    case networkPinned = "KG413"
    case bootReferenceMissing = "KG414"
    case osEndOfLife = "KG415"
    case privateKeyInSystem = "KG416"
    case logsLeft = "KG417"

    /// The four families of rules, by the hundreds digit of their IDs.
    public enum Family: Sendable, CaseIterable {
        /// KG1xx: the image file, its guest disk and its IMS metadata (`koopack check`).
        case image
        /// KG2xx: the release's documents and product details (`koopack bundle`).
        case document
        /// KG3xx: the Seller Console's daily upload quota (`koopack quota`, `koopack bundle`).
        case quota
        /// KG4xx: what KooGallery's security scan rejects in the guest (`koopack scan`).
        case scan
    }

    /// The family the rule belongs to.
    public var family: Family {
        switch rawValue.dropFirst(2).first {
        case "1": return .image
        case "2": return .document
        case "3": return .quota
        default: return .scan
        }
    }

    /// The ID as written: `KG101`.
    public var description: String { rawValue }

    /// Orders by ID, which is the catalogue's order.
    public static func < (a: RuleID, b: RuleID) -> Bool { a.rawValue < b.rawValue }

    /// The rule's definition in the catalogue.
    public var definition: RuleDefinition { RuleCatalogue.definition(self) }
}
