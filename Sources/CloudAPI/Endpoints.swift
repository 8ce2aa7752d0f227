/// Where each Huawei Cloud service of each region answers: `https://{service}.{region}.myhuaweicloud.com`
/// on the international site, `.eu` on the EU site, or a template of the seller's (a proxy, a
/// private endpoint, a test server) holding `{service}` and `{region}`.
public struct Endpoints: Sendable, Equatable {
    /// The Huawei Cloud site, which fixes the endpoint domain.
    public enum Site: String, Sendable, CaseIterable {
        case international
        case eu

        /// The template of the site's endpoints.
        public var template: String {
            switch self {
            case .international: return "https://{service}.{region}.myhuaweicloud.com"
            case .eu: return "https://{service}.{region}.myhuaweicloud.eu"
            }
        }

        /// The site a region belongs to: the EU site's regions (`eu-west-101`, EU-Dublin) use
        /// `myhuaweicloud.eu`, every other region the international site's domain.
        public static func of(region: String) -> Site {
            euRegions.contains(region) ? .eu : .international
        }

        /// The regions of the EU site.
        public static let euRegions: Set<String> = ["eu-west-101"]
    }

    /// The environment variable that overrides the template, like `--endpoint-template`.
    public static let templateVariable = "KOOPACK_ENDPOINT_TEMPLATE"

    /// The seller's template, with `{service}` and `{region}` in it; nil for Huawei Cloud's own
    /// endpoints (each region on its site's domain).
    public let template: String?
    /// The site whose domain every region uses; nil to take each region's own site.
    public let site: Site?

    /// Huawei Cloud's endpoints (of `site`, or of each region's own site), or those of
    /// `template` when one is given. Throws a `CloudAPIError` when the template lacks
    /// `{service}` or `{region}`, or is not an http(s) URL once filled.
    public init(template: String? = nil, site: Site? = nil) throws {
        let chosen = template.map { $0.trimmed }.flatMap { $0.isEmpty ? nil : $0 }
        if let chosen {
            for placeholder in ["{service}", "{region}"] where !chosen.contains(placeholder) {
                throw CloudAPIError(.configuration, "the endpoint template \(HTTPURL.quoted(chosen)) has no \(placeholder)")
            }
        }
        self.template = chosen
        self.site = site
        _ = try url(service: "ims", region: "ap-southeast-3", path: "/")
    }

    /// The endpoints with the template of `option` (the command line's), else of
    /// `KOOPACK_ENDPOINT_TEMPLATE` in `environment`, else Huawei Cloud's.
    public static func resolve(option: String?, environment: [String: String], site: Site? = nil) throws -> Endpoints {
        try Endpoints(template: option ?? environment[templateVariable], site: site)
    }

    /// The URL of `path` (starting with `/`, percent-encoded) on `service` in `region`. A
    /// template with a path of its own (`https://host/{service}/{region}`) puts it first.
    public func url(service: String, region: String, path: String) throws -> HTTPURL {
        for (what, name) in [("service", service), ("region", region)] {
            guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
                throw CloudAPIError(.configuration, "\(HTTPURL.quoted(name)) is not a \(what) name (lower-case letters, digits and '-')")
            }
        }
        let pattern = template ?? (site ?? Site.of(region: region)).template
        let filled = pattern.replacing("{service}", with: service).replacing("{region}", with: region)
        let base = try HTTPURL(filled)
        guard base.query == nil else {
            throw CloudAPIError(.configuration, "the endpoint template \(HTTPURL.quoted(pattern)) may not have a query")
        }
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        return HTTPURL(scheme: base.scheme, host: base.host, port: base.port, path: prefix + path, query: nil)
    }
}
