import DiskImage
import Findings
import ImagePackage

/// What a seller's image is, for the audit: whether a release locked it, it is billed, it descends
/// from one that is, or why else it could not be released, or that it could.
///
/// Each image gets exactly one state, the first that applies in declaration order (the
/// precedence): a locked image is locked whatever else is true of it; a market image is billed
/// before anything else; a public image is not the seller's; a descendant of a market or locked
/// image cannot be resold whatever else is wrong with it; then the release rules' own refusals,
/// most specific first; and an image none of these catch is releasable.
public enum AuditState: String, Sendable, CaseIterable, Comparable {
    /// Released (KG105): in the release register, marked `released`, or a private image carrying
    /// the product code of a released product. It cannot deploy a VM or be released again.
    case locked
    /// A KooGallery image (`__imagetype` market): billed on use.
    case market
    /// A public image (`__imagetype` gold, `visibility` public): Huawei Cloud's, not the seller's.
    case `public`
    /// Made from a market image or from a locked one (KG106), directly or through copies.
    case marketDerived = "market-derived"
    /// Encrypted (KG104).
    case encrypted
    /// Shared with the seller or by the seller, or owned by another project (KG103).
    case shared
    /// A full-ECS image (KG101).
    case fullECS = "full-ecs"
    /// Refused by another KG1xx rule judged on its metadata (data disk, external file, backup,
    /// not active, region, size, ...).
    case notReleasable = "not-releasable"
    /// Passes `check`'s metadata rules: releasing it would lock it.
    case releasable

    /// The state named `name` (`market-derived`, `full-ecs`, ...), case-insensitively; nil when
    /// none is.
    public init?(name: String) {
        let key = Regions.trimmed(name).lowercased()
        guard let state = AuditState.allCases.first(where: { $0.rawValue.lowercased() == key }) else { return nil }
        self = state
    }

    /// Orders states by precedence, `locked` first.
    public static func < (a: AuditState, b: AuditState) -> Bool {
        precedence(a) < precedence(b)
    }

    static func precedence(_ state: AuditState) -> Int {
        allCases.firstIndex(of: state) ?? allCases.count
    }
}

/// What koopack knows was released: the release ledger's register and the seller's own list
/// (`--released-list`).
public struct ReleaseRegister: Sendable, Equatable {
    /// IDs of images known released.
    public var releasedImageIDs: Set<String>
    /// IDs of KooGallery products released; a private image carrying one of these as its
    /// `__productcode` is the released image of that product.
    public var releasedProductIDs: Set<String>

    public init(releasedImageIDs: Set<String> = [], releasedProductIDs: Set<String> = []) {
        self.releasedImageIDs = releasedImageIDs
        self.releasedProductIDs = releasedProductIDs
    }

    /// Every released ID, images and products, as `ImageCase.releasedIDs` takes them.
    public var allIDs: Set<String> { releasedImageIDs.union(releasedProductIDs) }

    /// Both registers' IDs.
    public func merging(_ other: ReleaseRegister) -> ReleaseRegister {
        ReleaseRegister(releasedImageIDs: releasedImageIDs.union(other.releasedImageIDs),
                        releasedProductIDs: releasedProductIDs.union(other.releasedProductIDs))
    }

    /// The largest released list read: a line per release, so a MiB is tens of thousands.
    public static let maximumListBytes = 1 << 20

    /// The most IDs a released list may give; bounds the register's memory.
    public static let maximumListEntries = 100_000

    /// Reads a released list: one image or product ID per line; blank lines and `#` comments
    /// (whole lines, or after the ID) are ignored. An ID shaped like a UUID
    /// (8-4-4-4-12 hex digits, as IMS image IDs are) is an image ID; any other is a product ID
    /// (KooGallery's look like `OFFI454488918838128640`). A line with more than one word is an
    /// `ImageError` naming `file` and the line.
    public static func parseList(_ text: String, file: String) throws -> ReleaseRegister {
        guard text.utf8.count <= maximumListBytes else {
            throw ImageError(.limit, file: file, "\(text.utf8.count) bytes, more than the limit of \(maximumListBytes) for a released list")
        }
        var register = ReleaseRegister()
        var entries = 0
        // "\r\n" is one Character in Swift: split on it as on "\n".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (number, rawLine) in zip(1..., lines) {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty { continue }
            guard words.count == 1 else {
                throw ImageError(.invalid, file: file, "line \(number): expected one image or product ID, found \(words.count) words")
            }
            entries += 1
            guard entries <= maximumListEntries else {
                throw ImageError(.limit, file: file, "line \(number): more than \(maximumListEntries) IDs in a released list")
            }
            let id = String(words[0])
            if isUUID(id) {
                register.releasedImageIDs.insert(id)
            } else {
                register.releasedProductIDs.insert(id)
            }
        }
        return register
    }

    /// Whether `s` is 8-4-4-4-12 hexadecimal digits.
    static func isUUID(_ s: String) -> Bool {
        let groups = s.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit } }
    }
}

/// Audits every image of `account` against `register`: one `AuditEntry` per image with its
/// state, the fields that decided it and the seller's next step. `sellerOwner` (`--owner`), when
/// given, is the seller's project: images of other projects are shared. The metadata rules are
/// `check`'s own (every KG1xx rule but the KG117 note, on an `ImageCase` made from the metadata
/// and the image's region).
public func audit(_ account: ImageAccount, register: ReleaseRegister, sellerOwner: String? = nil,
                  profile: PolicyProfile = .kooGallery) -> AuditReport {
    let released = register.allIDs
    let images = account.images
    // Each image's rules and seed, then each entry, are judged on all cores: they read only the
    // account, and judging was most of an audit's time on one.
    let judged: [(findings: [Finding], seed: LineageSeed?, links: [ResolvedParentLink])] = ParallelWork.map(images) { image in
        let imageCase = ImageCase(fileName: image.metadata.name ?? image.id, metadata: image.metadata,
                                  regionOverride: image.region, sellerOwner: sellerOwner, releasedIDs: released)
        let input = RuleInput(imageCase, profile: profile)
        let found = AuditDecision.metadataRules.flatMap { $0.evaluate(input) }
        let links = LineageWalk.resolvedParentLinks(of: image.metadata, in: account)
        return (found, AuditDecision.seed(image, findings: found, links: links, register: register), links)
    }
    let walk = LineageWalk(account: account, seeds: judged.map(\.seed), links: judged.map(\.links))
    let lineages = walk.lineages
    // The entries are made in the report's order, so the report need not sort them.
    let order = AuditReport.order(of: images.map { .init(region: $0.region, name: $0.metadata.name, id: $0.id) })
    let entries: [AuditEntry] = ParallelWork.map(order) { i in
        AuditDecision.entry(images[i], findings: judged[i].findings, lineage: lineages[i],
                            account: account, sellerOwner: sellerOwner)
    }
    return AuditReport(sortedEntries: entries, warnings: account.warnings)
}

/// The decision of one image's state, evidence and next step.
enum AuditDecision {
    /// The KG1xx rules that decide a state: all but KG117, a note that would only judge every
    /// other rule a second time.
    static let metadataRules = RuleCatalogue.imageRules.filter { $0.id != .releaseLocksImage }

    static func isMarket(_ metadata: IMSMetadata) -> Bool { metadata.imageType?.equalsIgnoringCase("market") == true }

    static func isPublic(_ metadata: IMSMetadata) -> Bool {
        metadata.imageType?.equalsIgnoringCase("gold") == true || metadata.visibility?.equalsIgnoringCase("public") == true
    }

    /// Whether (and why) the image starts a market lineage by itself; `links` are its
    /// `LineageWalk.resolvedParentLinks`.
    static func seed(_ image: AccountImage, findings: [Finding], links: [ResolvedParentLink],
                     register: ReleaseRegister) -> LineageSeed? {
        let metadata = image.metadata
        if findings.contains(where: { $0.ruleID == .releasedImage }) { return .locked }
        if isMarket(metadata) { return .market }
        if isPublic(metadata) { return nil }
        if let code = metadata.productCode { return .productCode(code) }
        for (link, position) in links where position == nil {
            if register.releasedImageIDs.contains(link.id) { return .releasedParent(link.id) }
        }
        return nil
    }

    static func entry(_ image: AccountImage, findings: [Finding], lineage: ImageLineage,
                      account: ImageAccount, sellerOwner: String?) -> AuditEntry {
        let metadata = image.metadata
        var notes: [String] = []
        for link in lineage.missingParents {
            let place = link.region.map { " in \($0)" } ?? ""
            notes.append("parent \(link.id)\(place) (\(link.key)) is not in the image lists; the lineage walk stops there")
        }
        if !lineage.loop.isEmpty {
            var shown = lineage.loop.prefix(LineageWalk.maximumLoopMembersShown).joined(separator: " → ")
            if lineage.loop.count > LineageWalk.maximumLoopMembersShown { shown += " → …" }
            notes.append("lineage loop: \(shown); the walk stops there")
        }
        func finding(_ id: RuleID) -> Finding? { findings.first { $0.ruleID == id } }
        func make(_ state: AuditState, _ evidence: [(String, String)], _ next: String) -> AuditEntry {
            AuditEntry(id: image.id, name: metadata.name, region: image.region, source: image.source, state: state,
                       evidence: evidence, nextStep: next, notes: notes,
                       errorRules: findings.filter { $0.severity == .error }.map(\.ruleID.rawValue),
                       lineage: state == .marketDerived ? lineage.origin : nil)
        }

        if let kg105 = finding(.releasedImage) {
            var evidence = kg105.evidence
            let product = kg105.evidence("__productcode") ?? metadata.productCode
            if kg105.evidence("__productcode") == nil, let product { evidence.append(("__productcode", product)) }
            let what = product.map { "released as product \($0)" } ?? "released"
            return make(.locked, evidence,
                        "Locked: \(what). Buy it back from KooGallery to deploy it; release a new image for a new version.")
        }
        if isMarket(metadata) {
            var evidence: [(String, String)] = [("__imagetype", metadata.imageType ?? "market")]
            if let code = metadata.productCode { evidence.append(("__productcode", code)) }
            if let account = metadata.accountCode { evidence.append(("__account_code", account)) }
            if metadata.isOffshelved == true { evidence.append(("__is_offshelved", "true")) }
            var next = metadata.accountCode != nil
                ? "A KooGallery image billed on use (account code \(metadata.accountCode ?? "")): it cannot be resold; delete it and the servers made from it when no longer needed."
                : "A KooGallery image: it cannot be resold; images made from it cannot be released."
            if metadata.isOffshelved == true { next += " The product is off the shelf: plan a replacement." }
            return make(.market, evidence, next)
        }
        if isPublic(metadata) {
            var evidence: [(String, String)] = []
            if let type = metadata.imageType { evidence.append(("__imagetype", type)) }
            if let visibility = metadata.visibility { evidence.append(("visibility", visibility)) }
            return make(.public, evidence,
                        "A public image: build an ECS from it, install your software and make a private image to release.")
        }
        if let origin = lineage.origin {
            var evidence: [(String, String)] = []
            if let parent = origin.parent, let key = origin.parentKey {
                evidence.append((key, parent))
                evidence.append(("lineage root", origin.root))
                evidence.append(("root is", origin.seed.summary))
                evidence.append(("generations", String(origin.generations)))
            } else if case let .productCode(code) = origin.seed {
                evidence.append(("__productcode", code))
            } else if case let .releasedParent(parent) = origin.seed {
                evidence.append(("parent released", parent))
            }
            if let code = metadata.productCode, !evidence.contains(where: { $0.0 == "__productcode" }) {
                evidence.append(("__productcode", code))
            }
            let source: String
            switch origin.seed {
            case .locked: source = "Made from the released (locked) image \(origin.root)"
            case .market: source = "Made from the KooGallery market image \(origin.root)"
            case let .productCode(code): source = "Made from a KooGallery market image (it carries product code \(code))"
            case let .releasedParent(parent): source = "Made from the released image \(parent)"
            }
            return make(.marketDerived, evidence,
                        source + ": it cannot be released; rebuild it on an ECS from a public image.")
        }
        if let kg104 = finding(.encryptedImage) {
            return make(.encrypted, kg104.evidence,
                        "Encrypted: make an unencrypted copy (create an ECS from it, make an image without KMS encryption) to release.")
        }
        if let kg103 = finding(.sharedImage) {
            var evidence = kg103.evidence
            if let owner = metadata.owner, kg103.evidence("owner") == nil { evidence.append(("owner", owner)) }
            let yours = "Yours, shared with other projects: stop sharing it (or make a private image from an ECS of it) before releasing."
            let theirs = "Another project's image: build an ECS from a public image in your own account and make a private image to release."
            let next: String
            if let seller = sellerOwner, !seller.isEmpty, let owner = metadata.owner {
                next = owner == seller ? yours : theirs
            } else {
                next = "Shared (owner unknown without --owner). " + yours + " If another project's: build your own from a public image."
            }
            return make(.shared, evidence, next)
        }
        if let kg101 = finding(.fullECSImage) {
            return make(.fullECS, kg101.evidence, "A full-ECS image: make a system disk image from the ECS to release.")
        }
        let errors = findings.filter { $0.severity == .error }
        if let first = errors.first {
            let evidence = errors.flatMap { finding in finding.evidence.map { ("\(finding.ruleID) \($0.0)", $0.1) } }
            let remedy = first.remedy ?? first.message
            return make(.notReleasable, evidence, "\(first.ruleID) \(first.ruleName): \(remedy)")
        }
        var evidence: [(String, String)] = []
        if let type = metadata.imageType { evidence.append(("__imagetype", type)) }
        if let status = metadata.status { evidence.append(("status", status)) }
        return make(.releasable, evidence,
                    "Releasable: releasing locks it, so keep a copy (make another image from its ECS) before releasing.")
    }
}
