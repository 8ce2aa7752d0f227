import DiskImage
import Findings

/// Judges a release's documents and product details against the KG2xx rules, in rule order.
/// Documents are read by content (text, PDF, DOCX); a document whose text cannot be read is
/// reported for a human to read instead of being passed or failed on a guess.
public func checkDocuments(_ release: Release) -> [Finding] {
    let documents = release.documents
    var findings: [Finding] = []
    findings += DocumentChecks.eula(documents.eula.map { ($0, DocumentText.read(path: $0.path)) })
    findings += DocumentChecks.serviceTime(documents.support.serviceTime)
    findings += DocumentChecks.supportContact(documents.support)
    findings += DocumentChecks.userGuide(documents.userGuide.map { ($0, DocumentText.read(path: $0.path)) })
    findings += DocumentChecks.certificate(documents.certificate)
    findings += DocumentChecks.ossNotice(documents.ossNotice)
    findings += DocumentChecks.pricing(release.pricing)
    findings += DocumentChecks.productText(release.product)
    findings += DocumentChecks.seo(release.seo)
    findings += DocumentChecks.visibility(isPublic: release.isPublic)
    return findings
}

/// The KG2xx checks one by one, each testable on its own input.
public enum DocumentChecks {
    /// A finding of `id` that asks for a document to be read by hand: a warning whatever the
    /// rule's severity, since koopack could not tell either way.
    static func readByHand(_ id: RuleID, _ file: ReleaseFile, what: String, reason: String) -> Finding {
        Finding(ruleID: id, severity: .warning,
                message: "could not read the text of \(what) \(file.written): check it by hand (\(reason))",
                evidence: [("file", file.written), ("reason", reason)],
                remedy: "Read the document and confirm it by hand, or give it as text, a text PDF or DOCX.")
    }

    /// KG205: the software copyright certificate is named and not empty.
    public static func certificate(_ file: ReleaseFile?) -> [Finding] {
        requiredFile(file, rule: .certificateMissing, what: "software copyright certificate", key: "documents.certificate")
    }

    /// KG206: the open-source software notice is named and not empty.
    public static func ossNotice(_ file: ReleaseFile?) -> [Finding] {
        requiredFile(file, rule: .ossNoticeMissing, what: "open-source software notice", key: "documents.oss-notice")
    }

    static func requiredFile(_ file: ReleaseFile?, rule: RuleID, what: String, key: String) -> [Finding] {
        guard let file else {
            return [Finding(rule, message: "the release has no \(what) (\(key)).", evidence: [(key, "not given")])]
        }
        let size = (try? FileByteSource(path: file.path))?.size
        if size == 0 {
            return [Finding(rule, message: "the \(what) \(file.written) is empty.", evidence: [("file", file.written), ("size", "0")])]
        }
        return []
    }

    /// KG207: a free image cannot be priced per vCPU.
    public static func pricing(_ pricing: Pricing) -> [Finding] {
        guard pricing.mode == .free, pricing.template == .vcpu else { return [] }
        return [Finding(.freeVCPUPricing, message: "the image is free but its price template is per vCPU.",
                        evidence: [("pricing.mode", "free"), ("pricing.template", "vcpu")])]
    }

    /// KG208: overview, description and highlights all have text.
    public static func productText(_ product: ProductText) -> [Finding] {
        var evidence: [(String, String)] = []
        if product.overview.trimmedText.isEmpty { evidence.append(("product.overview", "empty")) }
        if product.description.trimmedText.isEmpty { evidence.append(("product.description", "empty")) }
        if product.highlights.allSatisfy({ $0.trimmedText.isEmpty }) { evidence.append(("product.highlights", "empty")) }
        guard !evidence.isEmpty else { return [] }
        let names = evidence.map { String($0.0.dropFirst("product.".count)) }
        return [Finding(.productTextMissing, message: "the product's \(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") empty.", evidence: evidence)]
    }

    /// KG209: the product has SEO information (a title, keywords or a description).
    public static func seo(_ seo: SEOInformation?) -> [Finding] {
        guard seo?.isEmpty ?? true else { return [] }
        return [Finding(.seoMissing, message: "the release gives no SEO information (seo).",
                        evidence: [("seo", seo == nil ? "not given" : "empty")])]
    }

    /// KG210: a hidden product is reached only through its URL.
    public static func visibility(isPublic: Bool) -> [Finding] {
        guard !isPublic else { return [] }
        return [Finding(.hiddenProduct, message: "the product is hidden (public: no): customers need the product URL to find it.",
                        evidence: [("public", "no")])]
    }
}
