import DiskImage
import Yams

/// The limits the image rules judge against. `kooGallery` holds KooGallery's and IMS's published
/// limits; a YAML profile file may override any of them (a new region opening, a changed limit)
/// without a new koopack.
public struct PolicyProfile: Sendable, Equatable {
    /// Region IDs images may come from.
    public var allowedRegions: [String]
    /// The largest package IMS imports, in bytes (KG108).
    public var maxPackageBytes: UInt64
    /// Packages over this many bytes draw a warning (KG109).
    public var nearLimitBytes: UInt64
    /// Formats IMS imports, by QEMU's and IMS's names (KG113).
    public var acceptedFormats: [String]
    /// The smallest system disk, in GB (KG121).
    public var minSystemDiskGB: UInt64
    /// The largest system disk, in GB (KG121).
    public var maxSystemDiskGB: UInt64
    /// The domain the site's API endpoints live under (`myhuaweicloud.com`, `myhuaweicloud.eu`).
    public var endpointDomain: String

    public init(allowedRegions: [String], maxPackageBytes: UInt64, nearLimitBytes: UInt64,
                acceptedFormats: [String], minSystemDiskGB: UInt64, maxSystemDiskGB: UInt64,
                endpointDomain: String = Site.international.endpointDomain) {
        self.endpointDomain = endpointDomain
        self.allowedRegions = allowedRegions
        self.maxPackageBytes = maxPackageBytes
        self.nearLimitBytes = nearLimitBytes
        self.acceptedFormats = acceptedFormats
        self.minSystemDiskGB = minSystemDiskGB
        self.maxSystemDiskGB = maxSystemDiskGB
    }

    /// KooGallery's rules as DOMAIN.md states them: the eight regions, 128 GiB packages with a
    /// warning past 128 GB, IMS's import formats (and QEMU's names for them), 40–1,024 GB disks.
    public static let kooGallery = PolicyProfile(
        allowedRegions: Regions.all.map(\.id),
        maxPackageBytes: 137_438_953_472,
        nearLimitBytes: 128_000_000_000,
        acceptedFormats: ["vhd", "vmdk", "qcow2", "raw", "vhdx", "qed", "vdi", "qcow", "zvhd", "zvhd2", "iso", "vpc"],
        minSystemDiskGB: 40,
        maxSystemDiskGB: 1024)

    /// The built-in profile of `site`: KooGallery's limits with the site's regions and endpoint
    /// domain (`--site`).
    public static func site(_ site: Site) -> PolicyProfile {
        var profile = kooGallery
        profile.allowedRegions = site.regions.map(\.id)
        profile.endpointDomain = site.endpointDomain
        return profile
    }

    /// The keys a profile file may set, each overriding one limit.
    public static let yamlKeys = [
        "allowed-regions", "max-package-bytes", "near-limit-bytes", "accepted-formats",
        "min-system-disk-gb", "max-system-disk-gb",
    ]

    /// The largest profile file read; a profile is a handful of lines.
    public static let maximumYAMLBytes = 1 << 20

    /// The most list items (regions, formats) a profile may give.
    public static let maximumListItems = 1_000

    /// Reads a YAML profile: a mapping whose keys (`yamlKeys`) override the same limits of
    /// `base` (KooGallery's international profile unless a site's is given); keys left out keep
    /// the base's value. Region names may be console names or IDs. An unknown key, a value of
    /// the wrong type or an inconsistent pair of limits is an `ImageError` naming `file`, the
    /// line and the key.
    public static func load(yaml: String, file: String, base: PolicyProfile = .kooGallery) throws -> PolicyProfile {
        guard yaml.utf8.count <= maximumYAMLBytes else {
            throw ImageError(.limit, file: file, "profile is \(yaml.utf8.count) bytes, more than the limit of \(maximumYAMLBytes)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let problem = YAMLNodes.problem(error)
            throw ImageError(.invalid, file: file, problem.place + problem.message)
        }
        var profile = base
        guard let root else { return profile }
        guard case let .mapping(mapping) = root else {
            throw ImageError(.invalid, file: file, "\(ProfileYAML.at(root))expected a mapping of profile keys, found \(YAMLNodes.describe(root))")
        }
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode else {
                throw ImageError(.invalid, file: file, "\(ProfileYAML.at(keyNode))expected a key name, found \(YAMLNodes.describe(keyNode))")
            }
            let key = keyScalar.string
            let place = ProfileYAML.at(keyNode)
            guard seen.insert(key).inserted else {
                throw ImageError(.invalid, file: file, "\(place)key \"\(key)\" appears twice")
            }
            let yaml = ProfileYAML(file: file, key: key)
            switch key {
            case "allowed-regions":
                profile.allowedRegions = try yaml.stringList(value).map { name in
                    guard let id = Regions.normalizedID(name) else { throw yaml.error(.invalid, value, "a region name is empty") }
                    return id
                }
            case "max-package-bytes": profile.maxPackageBytes = try yaml.unsigned(value)
            case "near-limit-bytes": profile.nearLimitBytes = try yaml.unsigned(value)
            case "accepted-formats": profile.acceptedFormats = try yaml.stringList(value).map { $0.lowercased() }
            case "min-system-disk-gb": profile.minSystemDiskGB = try yaml.unsigned(value)
            case "max-system-disk-gb": profile.maxSystemDiskGB = try yaml.unsigned(value)
            default:
                throw ImageError(.invalid, file: file, "\(place)unknown key \"\(key)\" (known keys: \(yamlKeys.joined(separator: ", ")))")
            }
        }
        guard profile.nearLimitBytes <= profile.maxPackageBytes else {
            throw ImageError(.outOfRange, file: file, "near-limit-bytes (\(profile.nearLimitBytes)) is larger than max-package-bytes (\(profile.maxPackageBytes))")
        }
        guard profile.minSystemDiskGB <= profile.maxSystemDiskGB else {
            throw ImageError(.outOfRange, file: file, "min-system-disk-gb (\(profile.minSystemDiskGB)) is larger than max-system-disk-gb (\(profile.maxSystemDiskGB))")
        }
        return profile
    }
}

/// Reading one profile key's YAML value, with errors naming the file, line and key.
struct ProfileYAML {
    let file: String
    let key: String

    /// `line 3, column 5: ` for a node that knows where it is.
    static func at(_ node: Node) -> String {
        guard let mark = node.mark else { return "" }
        return "line \(mark.line), column \(mark.column): "
    }

    func error(_ kind: ImageError.Kind, _ node: Node, _ message: String) -> ImageError {
        ImageError(kind, file: file, "\(ProfileYAML.at(node))key \"\(key)\": \(message)")
    }

    func unsigned(_ node: Node) throws -> UInt64 {
        guard case let .scalar(scalar) = node, scalar.style == .plain else {
            throw error(.invalid, node, "expected a non-negative integer, found \(YAMLNodes.describe(node))")
        }
        let text = scalar.string.filter { $0 != "_" }
        guard let value = UInt64(text) else {
            throw error(.invalid, node, "expected a non-negative integer, found \(YAMLNodes.describe(node))")
        }
        return value
    }

    func stringList(_ node: Node) throws -> [String] {
        guard case let .sequence(sequence) = node else {
            throw error(.invalid, node, "expected a list of strings, found \(YAMLNodes.describe(node))")
        }
        guard sequence.count <= PolicyProfile.maximumListItems else {
            throw error(.limit, node, "\(sequence.count) items, more than the limit of \(PolicyProfile.maximumListItems)")
        }
        return try sequence.map { item in
            guard case let .scalar(scalar) = item else {
                throw error(.invalid, item, "expected a string, found \(YAMLNodes.describe(item))")
            }
            return scalar.string
        }
    }
}
