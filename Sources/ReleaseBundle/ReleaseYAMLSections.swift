import ReleasePolicy
import Yams

/// The sections of `release.yaml`, each read into its typed value; problems are collected by the
/// reader and the value is nil when the section could not be read.
extension ReleaseYAMLReader {
    static let productKeys = ["name", "overview", "description", "highlights", "customer-cases"]
    static let pricingKeys = ["mode", "template"]
    static let seoKeys = ["title", "keywords", "description"]
    static let documentKeys = ["eula", "support", "user-guide", "certificate", "oss-notice"]
    static let supportKeys = ["service-time", "hotline", "email"]
    static let specificationKeys = ["name", "image", "regions"]
    static let imageKeys = ["file", "id", "metadata"]

    mutating func release(_ node: Node, file: String) -> Release? {
        guard let top = mapping(node, "", known: Release.topLevelKeys, what: "a release description") else { return nil }
        func required(_ name: String) -> (key: Node, value: Node)? {
            if top[name] == nil { report(name, Self.line(node), "required key is missing") }
            return top[name]
        }
        let product = required("product").flatMap { self.product($0.value, keyLine: $0.key) }
        let pricing = required("pricing").flatMap { self.pricing($0.value, keyLine: $0.key) }
        let isPublic = top["public"] == nil ? { report("public", Self.line(node), "required key is missing; expected yes or no"); return nil }()
            : flag(top["public"], "public", parent: node)
        let seo = top["seo"].flatMap { Self.isNull($0.value) ? nil : self.seo($0.value, keyLine: $0.key) }
        let documents = required("documents").flatMap { self.documents($0.value, keyLine: $0.key) }
        let specifications = required("specifications").flatMap { self.specifications($0.value) }
        var software: [ReleaseFile] = []
        if let entry = top["software"], let written = textList(entry, "software", parent: node, required: false) {
            let lines = Self.itemLines(entry.value)
            for (index, path) in written.enumerated() {
                if let found = resolve(path, "software[\(index)]", line: index < lines.count ? lines[index] : Self.line(entry.value)) {
                    software.append(found)
                }
            }
        }
        guard let product, let pricing, let isPublic, let documents, let specifications else { return nil }
        return Release(file: file, directory: root, product: product, pricing: pricing, isPublic: isPublic,
                       seo: seo, documents: documents, specifications: specifications, software: software)
    }

    static func itemLines(_ node: Node) -> [Int] {
        guard case let .sequence(sequence) = node else { return [] }
        return sequence.prefix(Release.maximumListItems).map { line($0) }
    }

    mutating func product(_ node: Node, keyLine: Node) -> ProductText? {
        guard let fields = mapping(node, "product", known: Self.productKeys, what: "the product's details") else { return nil }
        let name = text(fields["name"], "product.name", parent: keyLine, required: true)
        let overview = text(fields["overview"], "product.overview", parent: keyLine, required: false) ?? ""
        let description = text(fields["description"], "product.description", parent: keyLine, required: false) ?? ""
        let highlights = textList(fields["highlights"], "product.highlights", parent: keyLine, required: false) ?? []
        let cases = textList(fields["customer-cases"], "product.customer-cases", parent: keyLine, required: false) ?? []
        guard let name else { return nil }
        return ProductText(name: name, overview: overview, description: description, highlights: highlights, customerCases: cases)
    }

    mutating func pricing(_ node: Node, keyLine: Node) -> Pricing? {
        guard let fields = mapping(node, "pricing", known: Self.pricingKeys, what: "the pricing") else { return nil }
        let mode = choice(fields["mode"], "pricing.mode", parent: keyLine, as: Pricing.Mode.self)
        let template = choice(fields["template"], "pricing.template", parent: keyLine, as: Pricing.Template.self)
        guard let mode, let template else { return nil }
        return Pricing(mode: mode, template: template)
    }

    mutating func seo(_ node: Node, keyLine: Node) -> SEOInformation? {
        guard let fields = mapping(node, "seo", known: Self.seoKeys, what: "the SEO information") else { return nil }
        let title = text(fields["title"], "seo.title", parent: keyLine, required: false) ?? ""
        let keywords = textList(fields["keywords"], "seo.keywords", parent: keyLine, required: false, allowSingle: true) ?? []
        let description = text(fields["description"], "seo.description", parent: keyLine, required: false) ?? ""
        // A single text of keywords is split at commas, as the console's field takes them.
        let split = keywords.count == 1 ? keywords[0].split(separator: ",").map { String($0).trimmedText } : keywords
        return SEOInformation(title: title, keywords: split.filter { !$0.isEmpty }, description: description)
    }

    mutating func documents(_ node: Node, keyLine: Node) -> ReleaseDocuments? {
        guard let fields = mapping(node, "documents", known: Self.documentKeys, what: "the qualification documents") else { return nil }
        let eula = file(fields["eula"], "documents.eula", parent: keyLine, required: true)
        let guide = file(fields["user-guide"], "documents.user-guide", parent: keyLine, required: true)
        let certificate = file(fields["certificate"], "documents.certificate", parent: keyLine, required: false)
        let notice = file(fields["oss-notice"], "documents.oss-notice", parent: keyLine, required: false)
        var support: SupportContact?
        if let entry = fields["support"] {
            support = self.support(entry.value, keyLine: entry.key)
        } else {
            report("documents.support", Self.line(keyLine), "required key is missing; expected a mapping with the keys \(Self.supportKeys.joined(separator: ", "))")
        }
        guard let support, eula != nil, guide != nil else { return nil }
        return ReleaseDocuments(eula: eula, support: support, userGuide: guide, certificate: certificate, ossNotice: notice)
    }

    mutating func support(_ node: Node, keyLine: Node) -> SupportContact? {
        guard let fields = mapping(node, "documents.support", known: Self.supportKeys, what: "the after-sales support contact") else { return nil }
        let time = text(fields["service-time"], "documents.support.service-time", parent: keyLine, required: false)
        let hotline = text(fields["hotline"], "documents.support.hotline", parent: keyLine, required: false)
        let email = text(fields["email"], "documents.support.email", parent: keyLine, required: false)
        return SupportContact(serviceTime: time, hotline: hotline, email: email)
    }

    mutating func specifications(_ node: Node) -> [Specification]? {
        guard admit(node, "specifications") else { return nil }
        guard case let .sequence(sequence) = node else {
            report("specifications", Self.line(node), "expected a list of specifications, found \(YAMLNodes.describe(node))")
            return nil
        }
        guard !sequence.isEmpty else {
            report("specifications", Self.line(node), "the list is empty; a release needs at least one specification")
            return nil
        }
        guard sequence.count <= Release.maximumSpecifications else {
            report("specifications", Self.line(node), "\(sequence.count) specifications, more than the limit of \(Release.maximumSpecifications)")
            return nil
        }
        var specifications: [Specification] = []
        var failed = false
        for (index, item) in sequence.enumerated() {
            if let spec = specification(item, "specifications[\(index)]") { specifications.append(spec) } else { failed = true }
        }
        return failed ? nil : specifications
    }

    mutating func specification(_ node: Node, _ key: String) -> Specification? {
        guard let fields = mapping(node, key, known: Self.specificationKeys, what: "a specification") else { return nil }
        let name = text(fields["name"], key + ".name", parent: node, required: true)
        var image: SpecificationImage?
        if let entry = fields["image"] {
            image = self.image(entry.value, key + ".image", keyLine: entry.key)
        } else {
            report(key + ".image", Self.line(node), "required key is missing; expected a mapping with file or id")
        }
        let written = textList(fields["regions"], key + ".regions", parent: node, required: false) ?? []
        var regions: [String] = []
        for (index, name) in written.enumerated() {
            if let id = Regions.normalizedID(name) {
                regions.append(id)
            } else {
                report("\(key).regions[\(index)]", Self.line(fields["regions"]?.value ?? node), "a region name is empty")
            }
        }
        guard let name, let image else { return nil }
        return Specification(name: name, image: image, regions: regions, line: Self.line(node))
    }

    mutating func image(_ node: Node, _ key: String, keyLine: Node) -> SpecificationImage? {
        guard let fields = mapping(node, key, known: Self.imageKeys, what: "the specification's image") else { return nil }
        let metadata = file(fields["metadata"], key + ".metadata", parent: node, required: false)
        switch (fields["file"], fields["id"]) {
        case (nil, nil):
            report(key, Self.line(keyLine), "give the image as file (a path) or id (an IMS image ID)")
            return nil
        case (.some, .some):
            report(key, Self.line(keyLine), "give the image as file or as id, not both")
            return nil
        case let (entry?, nil):
            guard let found = file(entry, key + ".file", parent: node, required: true) else { return nil }
            if fields["metadata"] != nil && metadata == nil { return nil }
            return SpecificationImage(source: .file(found), metadata: metadata)
        case let (nil, entry?):
            guard let id = text(entry, key + ".id", parent: node, required: true) else { return nil }
            guard Self.isIMSImageID(id) else {
                report(key + ".id", Self.line(entry.value), "\"\(id)\" is not an IMS image ID (a UUID such as 2c1f5f1e-0c3a-4b8e-9d2a-5e0f6b7a8c9d)")
                return nil
            }
            if fields["metadata"] != nil && metadata == nil { return nil }
            return SpecificationImage(source: .imsID(id.lowercased()), metadata: metadata)
        }
    }

    /// Whether `id` has the shape of an IMS image ID: a UUID, 8-4-4-4-12 hexadecimal digits.
    static func isIMSImageID(_ id: String) -> Bool {
        let groups = id.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
