import DiskImage

/// A whole KooGallery release as `release.yaml` describes it: the product's text, its pricing and
/// visibility, the qualification documents, the specifications (each an image and its regions)
/// and any extra software files. Every path is resolved, checked to exist and to stay inside the
/// release's folder, so later steps (document checks, the bundle writer) never see a bad path.
public struct Release: Sendable, Equatable {
    /// The path of the `release.yaml` it was read from, as given.
    public var file: String
    /// The real path (symlinks resolved) of the folder every relative path is resolved against.
    public var directory: String
    public var product: ProductText
    public var pricing: Pricing
    /// Whether the product is listed publicly (`public: yes`); hidden products are reached only by URL.
    public var isPublic: Bool
    /// The SEO information, when the file gives it.
    public var seo: SEOInformation?
    public var documents: ReleaseDocuments
    public var specifications: [Specification]
    /// Extra files shipped with the release (installers, scripts), in file order.
    public var software: [ReleaseFile]

    public init(file: String, directory: String, product: ProductText, pricing: Pricing, isPublic: Bool,
                seo: SEOInformation?, documents: ReleaseDocuments, specifications: [Specification],
                software: [ReleaseFile]) {
        self.file = file
        self.directory = directory
        self.product = product
        self.pricing = pricing
        self.isPublic = isPublic
        self.seo = seo
        self.documents = documents
        self.specifications = specifications
        self.software = software
    }

    /// Every file the release names (documents, images, metadata sidecars, software), in file
    /// order: what a bundle must carry.
    public var files: [ReleaseFile] {
        var all: [ReleaseFile] = []
        let d = documents
        for file in [d.eula, d.userGuide, d.certificate, d.ossNotice] { if let file { all.append(file) } }
        for spec in specifications {
            if case let .file(image) = spec.image.source { all.append(image) }
            if let metadata = spec.image.metadata { all.append(metadata) }
        }
        return all + software
    }
}

/// A file named in `release.yaml`: where it really is, how the file wrote it, and where.
public struct ReleaseFile: Sendable, Equatable {
    /// The resolved real path (absolute, symlinks resolved, inside the release's folder).
    public var path: String
    /// The path as `release.yaml` wrote it, e.g. `docs/eula.txt`.
    public var written: String
    /// The key path that named it, e.g. `documents.eula` or `software[1]`.
    public var key: String
    /// The line of `release.yaml` it is on (1-based; 0 when built in code).
    public var line: Int

    public init(path: String, written: String, key: String, line: Int = 0) {
        self.path = path
        self.written = written
        self.key = key
        self.line = line
    }
}

/// The product's details as the Seller Console asks for them.
public struct ProductText: Sendable, Equatable {
    public var name: String
    /// One paragraph saying what the product is.
    public var overview: String
    /// The full description.
    public var description: String
    /// Selling points, one per item.
    public var highlights: [String]
    /// Customers who use the product, one per item.
    public var customerCases: [String]

    public init(name: String, overview: String, description: String, highlights: [String], customerCases: [String]) {
        self.name = name
        self.overview = overview
        self.description = description
        self.highlights = highlights
        self.customerCases = customerCases
    }
}

/// How the product is priced.
public struct Pricing: Sendable, Equatable {
    /// Whether the image is free or paid.
    public enum Mode: String, Sendable, CaseIterable { case free, paid }
    /// The price template: one price (`simple`), or a price per vCPU count (`vcpu`).
    public enum Template: String, Sendable, CaseIterable { case simple, vcpu }

    public var mode: Mode
    public var template: Template

    public init(mode: Mode, template: Template) {
        self.mode = mode
        self.template = template
    }
}

/// The product page's search-engine information.
public struct SEOInformation: Sendable, Equatable {
    public var title: String
    public var keywords: [String]
    public var description: String

    public init(title: String, keywords: [String], description: String) {
        self.title = title
        self.keywords = keywords
        self.description = description
    }

    /// Whether every field is empty: as good as no SEO information at all.
    public var isEmpty: Bool {
        title.trimmedText.isEmpty && description.trimmedText.isEmpty
            && keywords.allSatisfy { $0.trimmedText.isEmpty }
    }
}

/// The after-sales support contact.
public struct SupportContact: Sendable, Equatable {
    /// When support answers, ending with its time zone, e.g. `Monday to Friday 09:00-18:00 (GMT+08:00)`.
    public var serviceTime: String?
    public var hotline: String?
    public var email: String?

    public init(serviceTime: String?, hotline: String?, email: String?) {
        self.serviceTime = serviceTime
        self.hotline = hotline
        self.email = email
    }
}

/// The qualification documents. The EULA and user guide are required by the file's grammar; the
/// certificate and open-source notice may be left out, and rules KG205 and KG206 say so.
public struct ReleaseDocuments: Sendable, Equatable {
    public var eula: ReleaseFile?
    public var support: SupportContact
    public var userGuide: ReleaseFile?
    /// The software copyright certificate.
    public var certificate: ReleaseFile?
    /// The open-source software notice.
    public var ossNotice: ReleaseFile?

    public init(eula: ReleaseFile?, support: SupportContact, userGuide: ReleaseFile?,
                certificate: ReleaseFile?, ossNotice: ReleaseFile?) {
        self.eula = eula
        self.support = support
        self.userGuide = userGuide
        self.certificate = certificate
        self.ossNotice = ossNotice
    }
}

/// One specification (SKU) of the product: an image and the regions it is sold in.
public struct Specification: Sendable, Equatable {
    public var name: String
    public var image: SpecificationImage
    /// Region IDs (console names are turned into IDs; names outside the table are kept,
    /// lower-cased, for the region rules to report).
    public var regions: [String]
    /// The line of `release.yaml` the specification starts on.
    public var line: Int

    public init(name: String, image: SpecificationImage, regions: [String], line: Int = 0) {
        self.name = name
        self.image = image
        self.regions = regions
        self.line = line
    }
}

/// The image of a specification: a local image file, or an image already in IMS; either may have
/// an IMS metadata sidecar.
public struct SpecificationImage: Sendable, Equatable {
    /// Where the image is.
    public enum Source: Sendable, Equatable {
        /// An image file in the release's folder.
        case file(ReleaseFile)
        /// An IMS image ID (a UUID), already uploaded.
        case imsID(String)
    }

    public var source: Source
    /// The IMS metadata sidecar (JSON), when given.
    public var metadata: ReleaseFile?

    public init(source: Source, metadata: ReleaseFile?) {
        self.source = source
        self.metadata = metadata
    }
}

/// Everything wrong with a `release.yaml`, collected before anything else runs.
public struct ReleaseFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, as given.
    public var file: String
    /// Each problem, in file order.
    public var problems: [ReleaseProblem]

    public init(file: String, problems: [ReleaseProblem]) {
        self.file = file
        self.problems = problems
    }

    /// One line per problem: `release.yaml:12: specifications[0].image.fil: unknown key ...`.
    public var description: String {
        problems.map { "\(file):\($0)" }.joined(separator: "\n")
    }
}

/// One problem in a `release.yaml`: the key path, the line, and what is wrong.
public struct ReleaseProblem: Sendable, Equatable, CustomStringConvertible {
    /// The key path, e.g. `specifications[0].image.fil`; empty for the whole file.
    public var key: String
    /// The 1-based line (0 when the YAML parser gave none).
    public var line: Int
    public var message: String

    public init(key: String, line: Int, message: String) {
        self.key = key
        self.line = line
        self.message = message
    }

    /// `12: specifications[0].image.fil: unknown key`.
    public var description: String {
        key.isEmpty ? "\(line): \(message)" : "\(line): \(key): \(message)"
    }
}

extension String {
    /// The text without leading and trailing white space (spaces, tabs, line ends).
    var trimmedText: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
