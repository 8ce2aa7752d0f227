/// A Huawei Cloud region an image product may come from.
public struct Region: Sendable, Equatable, Hashable {
    /// The console's name, e.g. `AP-Singapore`.
    public let consoleName: String
    /// The region ID, e.g. `ap-southeast-3`.
    public let id: String
}

/// A Huawei Cloud site KooGallery sells on, with the regions its sellers may release image
/// products from and the endpoint domain its APIs answer on. Each site is a built-in policy
/// profile (`PolicyProfile.site(_:)`, `--site`); a `--policy` file still overrides it.
///
/// Where each fact comes from:
/// - international: the regions are KooGallery's list of regions image products may come from
///   ("Releasing Image Products", seller guide, Huawei Cloud international site); the endpoint
///   domain is the one IMS's and IAM's endpoints use there (`ims.{region}.myhuaweicloud.com`).
/// - eu: Huawei Cloud's EU site (huaweicloud.eu) lets sellers release image products only from
///   EU-Dublin (region ID `eu-west-101`), and its endpoints are under `myhuaweicloud.eu`.
public enum Site: String, Sendable, CaseIterable {
    /// The international site: the eight regions of `Regions.international` (the default).
    case international
    /// The EU site: EU-Dublin only.
    case eu

    /// The regions image products may come from on this site, in the console's order.
    public var regions: [Region] {
        switch self {
        case .international: return Regions.international
        case .eu: return Regions.europe
        }
    }

    /// The domain the site's API endpoints live under (`ims.{region}.DOMAIN`).
    public var endpointDomain: String {
        switch self {
        case .international: return "myhuaweicloud.com"
        case .eu: return "myhuaweicloud.eu"
        }
    }
}

/// The regions KooGallery accepts images from (DOMAIN.md), site by site, and the normalisation
/// of region names.
public enum Regions {
    /// Every region the international site allows, in the order of the console's list.
    public static let all: [Region] = international

    /// The EU site's one region (DOMAIN.md, "Sites and their regions").
    public static let europe: [Region] = [
        Region(consoleName: "EU-Dublin", id: "eu-west-101"),
    ]

    /// The international site's regions, in the order of the console's list (DOMAIN.md,
    /// "Regions").
    public static let international: [Region] = [
        Region(consoleName: "AF-Johannesburg", id: "af-south-1"),
        Region(consoleName: "AP-Bangkok", id: "ap-southeast-2"),
        Region(consoleName: "AP-Singapore", id: "ap-southeast-3"),
        Region(consoleName: "CN-Hong Kong", id: "ap-southeast-1"),
        Region(consoleName: "LA-Mexico City1", id: "na-mexico-1"),
        Region(consoleName: "LA-Mexico City2", id: "la-north-2"),
        Region(consoleName: "LA-Santiago", id: "la-south-2"),
        Region(consoleName: "LA-Sao Paulo1", id: "sa-brazil-1"),
    ]

    /// The region named `name` by console name or ID, case-insensitively (surrounding spaces
    /// ignored); nil when it is none of the table's.
    public static func region(named name: String) -> Region? {
        // Most names are already region IDs as the table spells them: no copy for those.
        if let region = byName[name] { return region }
        let key = trimmed(name).lowercased()
        return byName[key]
    }

    /// Every region under its ID and its lower-cased console name.
    private static let byName: [String: Region] = {
        var table: [String: Region] = [:]
        for region in Site.allCases.flatMap(\.regions) {
            table[region.id] = region
            table[region.consoleName.lowercased()] = region
        }
        return table
    }()

    /// The region ID for `name`: the table's ID when `name` is a known console name or ID, else
    /// `name` itself trimmed and lower-cased (region IDs are lower case), so unknown regions can
    /// still be reported and compared. Nil for an empty name.
    public static func normalizedID(_ name: String) -> String? {
        if let region = region(named: name) { return region.id }
        let key = trimmed(name).lowercased()
        return key.isEmpty ? nil : key
    }

    static func trimmed(_ s: String) -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        let bytes = s.utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == bytes.startIndex && bytes.index(after: last) == bytes.endIndex { return s }
        return String(s[first...last])
    }
}
