import DiskImage
import Findings
import ImagePackage

/// KG122, KG123: what the metadata alone says about the image, or that there is none.
extension Rules {
    /// Whether the case has neither a file that was read nor metadata: an image known only by
    /// its IMS ID (a release.yaml specification `image: {id: ...}` with no metadata file and no
    /// IMS lookup).
    static func isKnownOnlyByID(_ imageCase: ImageCase) -> Bool {
        imageCase.info == nil && imageCase.metadata == nil
    }

    /// KG122: nothing could be judged of an image known only by its ID, so its verdict is
    /// "unchecked", never "eligible".
    public static let metadataMissing: Rule = Rule(.metadataMissing) { rule, input in
        guard Rules.isKnownOnlyByID(input.imageCase) else { return [] }
        return [Finding(rule,
                        message: "\(input.imageCase.fileName) is known only by its ID: there is no file and no metadata to judge, so it is unchecked.",
                        evidence: [("metadata", "none"), ("image file", "none")])]
    }

    /// The `__platform` values (lower case, spaces and dashes dropped) of public images IMS
    /// cannot export private images from (IMS "Exporting an Image": Windows, SUSE, Red Hat,
    /// Oracle Linux), by prefix.
    static let unexportablePlatforms = ["windows", "suse", "sles", "opensuse", "redhat", "rhel", "oracle"]

    /// `unexportablePlatforms` as bytes, for `squeezedHasPrefix`.
    static let unexportablePlatformBytes = unexportablePlatforms.map { Array($0.utf8) }

    /// Whether `value`, lower-cased and without spaces, dashes and underscores, starts with one of
    /// `prefixes` (lower-case ASCII letters). ASCII is read over the string's own bytes, folding
    /// case byte by byte; other text is lower-cased and filtered as characters.
    static func squeezedHasPrefix(_ value: String, _ prefixes: [[UInt8]]) -> Bool {
        var copy = value
        let ascii: Bool? = copy.withUTF8 { bytes in
            if bytes.contains(where: { $0 >= 0x80 }) { return nil }
            return prefixes.contains { prefix in
                var matched = 0
                for byte in bytes where byte != 0x20 && byte != 0x2D && byte != 0x5F {
                    if matched == prefix.count { return true }
                    guard (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == prefix[matched] else { return false }
                    matched += 1
                }
                return matched == prefix.count
            }
        }
        if let ascii { return ascii }
        let squeezed = String(value.lowercased().filter { $0 != " " && $0 != "-" && $0 != "_" })
        return prefixes.contains { squeezed.hasPrefix(String(decoding: $0, as: UTF8.self)) }
    }

    /// KG123: IMS cannot export the image (made from a Windows, SUSE, Red Hat or Oracle Linux
    /// public image, or from a KooGallery image), so there will be no file to inspect.
    public static let notExportable: Rule = Rule(.notExportable) { rule, input in
        guard let metadata = input.imageCase.metadata else { return [] }
        var evidence: [(String, String)] = []
        for (key, value) in [("__platform", metadata.platform), ("__os_type", metadata.osType)] {
            guard let value else { continue }
            if squeezedHasPrefix(value, unexportablePlatformBytes) { evidence.append((key, value)) }
        }
        if Classification.isMarketDerived(input.imageCase) {
            if let code = metadata.productCode { evidence.append(("__productcode", code)) }
            if let type = metadata.imageType, type.equalsIgnoringCase("market") { evidence.append(("__imagetype", type)) }
            if let parent = metadata.originalImageName, input.imageCase.releasedIDs.contains(parent) {
                evidence.append(("__originalimagename", parent))
            }
        }
        return rule.finding(
            "IMS cannot export \(input.imageCase.fileName) (its platform or its market origin forbids it): there will be no image file to inspect.",
            evidence)
    }
}

extension IMSMetadata {
    /// `__lazyloading`: whether IMS's fast import loads the image lazily (`true`/`false`/
    /// `True`/`False`, a string or a boolean); nil when absent or anything else. Reported only.
    public var lazyLoading: Bool? {
        switch lazyLoadingValue {
        case let .bool(b)?: return b
        case let .string(s)?:
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }
}
