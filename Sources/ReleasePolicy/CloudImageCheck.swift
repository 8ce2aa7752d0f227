import DiskImage
import Findings
import ImagePackage

extension ImageCheck {
    /// What the report says of an IMS image judged with no file: which rules had nothing to read.
    public static let noFileNote = "no image file: judged by its IMS metadata alone; the rules that read an image's header and "
        + "guest disk (KG102's partition and boot checks, KG108, KG109, KG112-KG115, KG116 and KG121's disk sizes) were not applicable"

    /// Judges an image known to IMS alone (`check --cloud --image-id` with no file): every
    /// KG1xx rule on its metadata, the header and guest rules staying silent for want of a file
    /// (`noFileNote` says so in the report). With `context.scan`, the security scan's KG410 says
    /// where the scan can be done instead: on an ECS made from the image.
    public static func run(imsImage input: ImageInput, context: CheckContext) -> ImageCheckResult {
        var info = ImageInfo(filename: input.displayName, format: "ims", virtualSize: 0)
        info.headerRead = false
        info.warnings.append(noFileNote)
        let imageCase = ImageCase(
            fileName: input.displayName, metadata: input.metadata, dataDiskCount: input.dataDiskCount,
            regionOverride: context.regionOverride, releaseFileRegions: context.releaseFileRegions,
            sellerOwner: context.sellerOwner, releasedIDs: context.releasedIDs)
        var findings = evaluate(imageCase, profile: context.profile)
        if context.scan {
            findings.append(Finding(.scanNotDone, message: "\(input.displayName) has no file here, so its guest was not scanned: "
                + "run koopack scan --root / on an ECS made from it"))
            findings = findings.inReportOrder()
        }
        return ImageCheckResult(report: ImageReport(input: input, info: info, guest: nil), imageCase: imageCase,
                                classification: Classification(imageCase), findings: findings)
    }
}

/// The audit of an account read from IMS region by region, where the seller's project differs
/// in each region (IAM gives one project per region): each image is judged with its own
/// region's project as the seller's (`owners`, region ID → project ID), the others with
/// `sellerOwner`. The lineage walk sees the whole account at once, as `audit` does; only the
/// owner comparison differs, so the account is audited once per distinct project and each image
/// takes its entry from its own region's run, in the report's order.
public func audit(_ account: ImageAccount, register: ReleaseRegister, owners: [String: String],
                  sellerOwner: String? = nil, profile: PolicyProfile = .kooGallery) -> AuditReport {
    if owners.isEmpty || sellerOwner != nil {
        return audit(account, register: register, sellerOwner: sellerOwner.flatMap { $0.isEmpty ? nil : $0 }, profile: profile)
    }
    let ownerOf: (AccountImage) -> String? = { image in sellerOwner ?? image.region.flatMap { owners[$0] } }
    let distinct = Array(Set(account.images.map { ownerOf($0) ?? "" })).sorted()
    guard distinct.count > 1 else {
        return audit(account, register: register, sellerOwner: distinct.first.flatMap { $0.isEmpty ? nil : $0 }, profile: profile)
    }
    var runs: [String: [String: AuditEntry]] = [:]
    var order: [String] = []
    for owner in distinct {
        let report = audit(account, register: register, sellerOwner: owner.isEmpty ? nil : owner, profile: profile)
        if order.isEmpty { order = report.entries.map(\.id) }
        runs[owner] = Dictionary(report.entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
    // Every run lists the images in the same order (the report's); each takes its own run's entry.
    var entries: [AuditEntry] = []
    for id in order {
        guard let image = account.image(id: id), let entry = runs[ownerOf(image) ?? ""]?[id] else { continue }
        entries.append(entry)
    }
    return AuditReport(sortedEntries: entries, warnings: account.warnings)
}
