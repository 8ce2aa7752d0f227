import DiskImage
import Findings
import ImagePackage
@testable import ReleasePolicy

/// Cases for the rule tests: a clean case that passes every rule, and ways to spoil it.
enum Cases {
    static let gib: UInt64 = 1 << 30

    /// A private system disk image exported like `GET /v2/cloudimages` shows it, made from an ECS
    /// built on a public Ubuntu image in AP-Singapore.
    static let cleanFields: [(String, JSONValue)] = [
        ("id", .string("8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43")),
        ("name", .string("web-ubuntu2204")),
        ("owner", .string("0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03")),
        ("__imagetype", .string("private")),
        ("visibility", .string("private")),
        ("__whole_image", .bool(false)),
        ("__backup_id", .string("")),
        ("virtual_env_type", .string("FusionCompute")),
        ("__productcode", .string("")),
        ("__system_support_market", .bool(true)),
        ("protected", .bool(false)),
        ("__originalimagename", .string("b7e1c0a4-95d2-4a8f-bc31-6e2f9d0a7c58")),
        ("__data_origin", .string("instance,4f1e7a9c-2b6d-4c3e-8a5f-1d9b0e7c6a21")),
        ("__root_origin", .string("")),
        ("__image_size", .string("2147483648")),
        ("disk_format", .string("zvhd2")),
        ("min_disk", .int(40)),
        ("min_ram", .int(1024)),
        ("__os_type", .string("Linux")),
        ("__os_version", .string("Ubuntu 22.04 server 64bit")),
        ("__platform", .string("Ubuntu")),
        ("__os_bit", .string("64")),
        ("hw_firmware_type", .string("bios")),
        ("status", .string("active")),
        ("region", .string("ap-southeast-3")),
    ]

    /// The clean metadata with `changes` applied: a key set to a value replaces or adds it, a
    /// key set to nil removes it.
    static func metadata(_ changes: [(String, JSONValue?)] = []) throws -> IMSMetadata {
        var fields = cleanFields
        for (key, value) in changes {
            if let value {
                if let i = fields.firstIndex(where: { $0.0 == key }) { fields[i].1 = value } else { fields.append((key, value)) }
            } else {
                fields.removeAll { $0.0 == key }
            }
        }
        return try IMSMetadata(fields: fields, file: "web.json")
    }

    /// Header facts of a clean 40 GiB qcow2 image.
    static func info(format: String = "qcow2", virtualSize: UInt64 = 40 << 30) -> ImageInfo {
        var info = ImageInfo(filename: "web.qcow2", format: format, virtualSize: virtualSize)
        info.dirty = false
        return info
    }

    static let biosGuest = GuestFacts(partitionTable: .mbr, boot: .bios, hasFilesystem: true)

    /// A case every KG1xx rule passes (only KG117's note fires).
    static func clean(metadata changes: [(String, JSONValue?)] = []) throws -> ImageCase {
        ImageCase(fileName: "web.qcow2", info: info(), guest: biosGuest, metadata: try metadata(changes),
                  packageBytes: 2 * gib, sellerOwner: "0b3f4c2ad7e94b1c8f6e5a2d9c7b1e03")
    }
}

extension Rule {
    /// Whether the rule fires on `imageCase` under `profile`.
    func fires(on imageCase: ImageCase, profile: PolicyProfile = .kooGallery) -> Bool {
        !evaluate(imageCase, profile: profile).isEmpty
    }

    /// The rule's only finding on `imageCase`, nil when it does not fire once.
    func finding(on imageCase: ImageCase, profile: PolicyProfile = .kooGallery) -> Finding? {
        let findings = evaluate(imageCase, profile: profile)
        return findings.count == 1 ? findings[0] : nil
    }
}
