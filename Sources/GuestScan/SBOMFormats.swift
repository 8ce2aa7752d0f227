import DiskImage

/// The guest's packages as a CycloneDX 1.5 JSON bill of materials (https://cyclonedx.org/docs/1.5/json/),
/// which Grype (`grype sbom:FILE`) and Trivy (`trivy sbom FILE`) score for vulnerabilities.
///
/// `metadata.component` is the image (type `file`: the disk image file); `components` holds an
/// `operating-system` component from os-release (Grype and Trivy pick the distribution's
/// vulnerability data from it) and one `library` component per installed package, with its purl.
public enum CycloneDX {
    public static let specVersion = "1.5"

    public static func document(packages: [InstalledPackage], os: OSRelease?, info: SBOMDocumentInfo) -> JSONValue {
        var components: [JSONValue] = []
        if let os, let id = os.id {
            var members: [(String, JSONValue)] = [("bom-ref", .string("os:\(id)")), ("type", .string("operating-system")),
                                                  ("name", .string(id))]
            if let version = os.versionID { members.append(("version", .string(version))) }
            if let pretty = os.prettyName { members.append(("description", .string(pretty))) }
            components.append(.object(members))
        }
        var refs: Set<String> = []
        for package in packages {
            let purl = PackageURL.of(package, os: os)
            var ref = purl
            var n = 1
            while !refs.insert(ref).inserted { n += 1; ref = "\(purl)#\(n)" }
            var members: [(String, JSONValue)] = [
                ("bom-ref", .string(ref)), ("type", .string("library")), ("name", .string(package.name)),
                ("version", .string(package.fullVersion)), ("purl", .string(purl)),
            ]
            var properties: [JSONValue] = [property("koopack:package:manager", package.manager.rawValue)]
            if let arch = package.architecture { properties.append(property("koopack:package:architecture", arch)) }
            if let source = package.source { properties.append(property("koopack:package:source", source)) }
            members.append(("properties", .array(properties)))
            components.append(.object(members))
        }
        return .object([
            ("bomFormat", .string("CycloneDX")),
            ("specVersion", .string(specVersion)),
            ("serialNumber", .string("urn:uuid:\(info.uuid)")),
            ("version", .int(1)),
            ("metadata", .object([
                ("timestamp", .string(info.created)),
                ("tools", .object([("components", .array([.object([
                    ("type", .string("application")), ("name", .string("koopack")), ("version", .string(info.toolVersion)),
                ])]))])),
                ("component", .object([
                    ("bom-ref", .string("image")), ("type", .string("file")), ("name", .string(info.imageName)),
                    ("description", .string("virtual machine disk image" + (os?.prettyName.map { " of \($0)" } ?? ""))),
                ])),
            ])),
            ("components", .array(components)),
        ])
    }

    static func property(_ name: String, _ value: String) -> JSONValue {
        .object([("name", .string(name)), ("value", .string(value))])
    }
}

/// The guest's packages as an SPDX 2.3 JSON document (https://spdx.github.io/spdx-spec/v2.3/):
/// a package for the image that the document DESCRIBES and that CONTAINS one package per
/// installed package, each with its purl as a PACKAGE-MANAGER external reference.
public enum SPDX {
    public static let version = "SPDX-2.3"
    /// Where koopack's document namespaces live; each document adds the image name and a UUID.
    public static let namespaceBase = "https://github.com/koopack/koopack/spdx/"

    public static func document(packages: [InstalledPackage], os: OSRelease?, info: SBOMDocumentInfo) -> JSONValue {
        var spdxPackages: [JSONValue] = []
        var relationships: [JSONValue] = [relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image")]
        var image: [(String, JSONValue)] = [
            ("name", .string(info.imageName)), ("SPDXID", .string("SPDXRef-Image")),
            ("downloadLocation", .string("NOASSERTION")), ("filesAnalyzed", .bool(false)),
        ]
        if let pretty = os?.prettyName { image.append(("description", .string("virtual machine disk image of \(pretty)"))) }
        image.append(("primaryPackagePurpose", .string("OPERATING-SYSTEM")))
        spdxPackages.append(.object(image))
        for (i, package) in packages.enumerated() {
            let id = "SPDXRef-Package-\(package.manager.rawValue)-\(idSafe(package.name))-\(i + 1)"
            var members: [(String, JSONValue)] = [
                ("name", .string(package.name)), ("SPDXID", .string(id)), ("versionInfo", .string(package.fullVersion)),
                ("downloadLocation", .string("NOASSERTION")), ("filesAnalyzed", .bool(false)),
            ]
            if let source = package.source { members.append(("sourceInfo", .string("built from source package \(source)"))) }
            members.append(("externalRefs", .array([.object([
                ("referenceCategory", .string("PACKAGE-MANAGER")), ("referenceType", .string("purl")),
                ("referenceLocator", .string(PackageURL.of(package, os: os))),
            ])])))
            spdxPackages.append(.object(members))
            relationships.append(relationship("SPDXRef-Image", "CONTAINS", id))
        }
        return .object([
            ("spdxVersion", .string(version)),
            ("dataLicense", .string("CC0-1.0")),
            ("SPDXID", .string("SPDXRef-DOCUMENT")),
            ("name", .string(info.imageName)),
            ("documentNamespace", .string(namespaceBase + PackageURL.encode(info.imageName) + "-" + info.uuid)),
            ("creationInfo", .object([
                ("created", .string(info.created)),
                ("creators", .array([.string("Tool: koopack-\(info.toolVersion)")])),
            ])),
            ("packages", .array(spdxPackages)),
            ("relationships", .array(relationships)),
        ])
    }

    static func relationship(_ from: String, _ type: String, _ to: String) -> JSONValue {
        .object([("spdxElementId", .string(from)), ("relationshipType", .string(type)), ("relatedSpdxElement", .string(to))])
    }

    /// `name` with every character SPDX IDs do not allow (anything but letters, digits, `.`
    /// and `-`) replaced by `-`.
    static func idSafe(_ name: String) -> String {
        String(name.unicodeScalars.map { s -> Character in
            let ok = (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "." || s == "-"
            return ok ? Character(s) : "-"
        })
    }
}
