import DiskImage
import ImagePackage

/// What kind of image this is, as KooGallery sees it.
public enum ImageKind: String, Sendable, CaseIterable {
    /// An ECS system disk image: the only kind KooGallery releases.
    case systemDisk
    /// A full-ECS image: system disk plus data disks (or made from a CSBS/CBR backup).
    case fullECS
    /// A data disk image.
    case dataDisk
    /// An ISO image.
    case iso
    /// A bare metal server (Ironic) image.
    case bareMetal
}

/// Where the image came from.
public enum Provenance: String, Sendable, CaseIterable {
    /// Made from an ECS built on a public image, as KooGallery requires.
    case publicDerived
    /// Made from a KooGallery (market) image.
    case marketDerived
    /// Shared with the seller, or owned by another project.
    case shared
    /// Imported from an external image file.
    case externalFile
    /// Already released (locked).
    case released
    /// Not enough metadata to tell.
    case unknown
}

/// Where the image's region came from.
public enum RegionSource: String, Sendable {
    /// `--region` on the command line.
    case commandLine = "--region"
    /// The `region` key of the metadata sidecar.
    case metadata = "region"
    /// The release file's regions for the product.
    case releaseFile = "release file"
}

/// A region an image case names: its ID, the name as given, and where it was given.
public struct NamedRegion: Sendable, Equatable {
    public var id: String
    public var given: String
    public var source: RegionSource
}

/// The facts about an image that several rules share, computed once from an `ImageCase`.
public struct Classification: Sendable, Equatable {
    public var kind: ImageKind
    public var provenance: Provenance
    /// Whether metadata or header say the image is encrypted.
    public var encrypted: Bool
    /// The region the image lives in, as a region ID (normalised from a console name), nil when
    /// nothing names one.
    public var regionID: String?
    /// Where `regionID` came from.
    public var regionSource: RegionSource?
    /// Every region the case names (`namedRegions(of:)`), worked out once for the rules that
    /// judge them (KG110, KG111).
    public var regions: [NamedRegion]

    /// Classifies `imageCase`.
    public init(_ imageCase: ImageCase) {
        let metadata = imageCase.metadata
        kind = Classification.kind(of: imageCase)
        provenance = Classification.provenance(of: imageCase)
        encrypted = metadata?.cmkID != nil || metadata?.encryptedFlag == true || imageCase.info?.encrypted == true
        let named = Classification.namedRegions(of: imageCase)
        regionID = named.first?.id
        regionSource = named.first?.source
        regions = named.map { NamedRegion(id: $0.id, given: $0.given, source: $0.source) }
    }

    /// Every region the case names, in precedence order: `--region` (else the sidecar's
    /// `region`), then the release file's, each normalised to its ID, without repeats.
    public static func namedRegions(of imageCase: ImageCase) -> [(id: String, given: String, source: RegionSource)] {
        var out: [(id: String, given: String, source: RegionSource)] = []
        func add(_ given: String?, _ source: RegionSource) {
            guard let given, let id = Regions.normalizedID(given), !out.contains(where: { $0.id == id }) else { return }
            out.append((id, given, source))
        }
        if let override = imageCase.regionOverride, Regions.normalizedID(override) != nil {
            add(override, .commandLine)
        } else {
            add(imageCase.metadata?.region, .metadata)
        }
        for region in imageCase.releaseFileRegions { add(region, .releaseFile) }
        return out
    }

    /// The image's kind. A whole-image flag, data disks in the package, or a backup ID without
    /// `__whole_image` false make a full-ECS image (IMS makes full-ECS images from CSBS/CBR
    /// backups); then ISO, data disk and bare metal by format and `virtual_env_type`.
    static func kind(of imageCase: ImageCase) -> ImageKind {
        let metadata = imageCase.metadata
        if metadata?.wholeImage == true || imageCase.dataDiskCount > 0
            || (metadata?.backupID != nil && metadata?.wholeImage != false) {
            return .fullECS
        }
        let env = metadata?.virtualEnvType ?? ""
        if imageCase.info?.format.equalsIgnoringCase("iso") == true || metadata?.diskFormat?.equalsIgnoringCase("iso") == true
            || env.equalsIgnoringCase("isoimage") {
            return .iso
        }
        if env.equalsIgnoringCase("dataimage") { return .dataDisk }
        if env.equalsIgnoringCase("ironic") { return .bareMetal }
        return .systemDisk
    }

    /// Whether the case's image is known released: in the register, marked `released`, or a
    /// private image whose product code was released.
    static func isReleased(_ imageCase: ImageCase) -> Bool {
        guard let metadata = imageCase.metadata else { return false }
        if let id = metadata.id, imageCase.releasedIDs.contains(id) { return true }
        if metadata.released == true { return true }
        if isPrivate(metadata), let code = metadata.productCode, imageCase.releasedIDs.contains(code) { return true }
        return false
    }

    static func isPrivate(_ metadata: IMSMetadata) -> Bool {
        metadata.imageType?.equalsIgnoringCase("private") == true || metadata.visibility?.equalsIgnoringCase("private") == true
    }

    /// Whether the image is shared: `__imagetype` or `visibility` shared, or owned by another
    /// project than the seller's.
    static func isShared(_ imageCase: ImageCase) -> Bool {
        guard let metadata = imageCase.metadata else { return false }
        if metadata.imageType?.equalsIgnoringCase("shared") == true || metadata.visibility?.equalsIgnoringCase("shared") == true { return true }
        if let seller = imageCase.sellerOwner, !seller.isEmpty, let owner = metadata.owner, owner != seller { return true }
        return false
    }

    /// Whether the image was made from a market image: a product code on an image not itself
    /// released, a `market` image type, or a parent that is a released image.
    static func isMarketDerived(_ imageCase: ImageCase) -> Bool {
        guard let metadata = imageCase.metadata, !isReleased(imageCase) else { return false }
        if metadata.productCode != nil { return true }
        if metadata.imageType?.equalsIgnoringCase("market") == true { return true }
        if let parent = metadata.originalImageName, imageCase.releasedIDs.contains(parent) { return true }
        return false
    }

    /// Whether the image was imported from an external file (`__root_origin` file, or a
    /// `__data_origin` of `file,...`).
    static func isExternalFile(_ imageCase: ImageCase) -> Bool {
        guard let metadata = imageCase.metadata else { return false }
        if metadata.rootOrigin?.equalsIgnoringCase("file") == true { return true }
        if let origin = metadata.dataOrigin, origin.equalsIgnoringCase("file") || origin.hasPrefixIgnoringCase("file,") { return true }
        return false
    }

    static func provenance(of imageCase: ImageCase) -> Provenance {
        guard let metadata = imageCase.metadata else { return .unknown }
        if isReleased(imageCase) { return .released }
        if isShared(imageCase) { return .shared }
        if isMarketDerived(imageCase) { return .marketDerived }
        if isExternalFile(imageCase) { return .externalFile }
        if metadata.imageType?.equalsIgnoringCase("gold") == true { return .publicDerived }
        // A private image made from an ECS (`instance,...`) or from a parent image is, absent
        // any market, shared or file marker, built on a public image.
        if let origin = metadata.dataOrigin, origin.hasPrefixIgnoringCase("instance,") { return .publicDerived }
        if metadata.originalImageName != nil, isPrivate(metadata) { return .publicDerived }
        return .unknown
    }
}
