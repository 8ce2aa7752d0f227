import Findings
import DiskImage
import ImagePackage
import ReleasePolicy

/// `koopack check` in text: per image, the verdict line, then the findings most severe first.
enum CheckText {
    static func render(_ results: [ImageCheckResult], strict: Bool) -> String {
        var out = ""
        for result in results {
            let verdictText = colored(result.verdict(strict: strict))
            out += "\(Terminal.bold(result.input.displayName)): \(verdictText)\n"
            let c = result.classification
            var facts = ["\(result.info.format)", Sizes.binary(result.info.virtualSize),
                         JSONOutput.kebab(c.kind.rawValue), JSONOutput.kebab(c.provenance.rawValue)]
            if let region = c.regionID { facts.append(region) }
            if let guest = result.info.guest { facts.append("\(guest.partitionTable), boot \(guest.boot)") }
            if let file = result.input.metadataFile { facts.append("metadata \(file)") }
            if let lazy = result.input.metadata?.lazyLoading { facts.append("lazy loading \(lazy ? "on" : "off")") }
            out += "  " + facts.joined(separator: " · ") + "\n"
            // What finding the image met (a hostile archive member), then what reading it could
            // not do (a guest not read inside an archive): neither is a rule's finding.
            for warning in result.input.warnings { out += "  \(Terminal.yellow("warning")) \(warning)\n" }
            for warning in result.info.warnings { out += "  note    \(warning)\n" }
            out += FindingLines.lines(result.findings)
        }
        if results.count > 1 {
            let verdicts = results.map { $0.verdict(strict: strict) }
            let unchecked = verdicts.filter { $0 == .unchecked }.count
            let eligible = verdicts.filter(\.isEligible).count - unchecked
            out += "\(results.count) images: \(eligible) eligible, "
                + (unchecked > 0 ? "\(unchecked) unchecked, " : "")
                + "\(results.count - eligible - unchecked) not eligible\n"
        }
        return out
    }

    /// The verdict's text in its colour: green eligible, yellow with warnings or unchecked, red
    /// not eligible.
    static func colored(_ verdict: Verdict) -> String {
        switch verdict {
        case .eligible: return Terminal.green(verdict.text)
        case .eligibleWithWarnings, .unchecked: return Terminal.yellow(verdict.text)
        case .notEligible: return Terminal.red(verdict.text)
        }
    }
}

/// `koopack check --format json`: one object per image with the verdict, the classification,
/// the findings, what finding the image met (`warnings`: a hostile archive member, metadata
/// that names no matching image) and the inspect facts (whose own `warnings` say what reading
/// could not do).
enum CheckJSON {
    static func render(_ results: [ImageCheckResult], strict: Bool) -> JSONValue {
        .array(results.map { result in
            var members: [(String, JSONValue)] = [
                ("image", .string(result.input.displayName)),
                ("verdict", .string(verdictName(result.verdict(strict: strict)))),
                ("classification", classification(result.classification)),
                ("findings", .array(result.findings.map(JSONOutput.finding))),
            ]
            if let file = result.input.metadataFile { members.append(("metadata-file", .string(file))) }
            if let lazy = result.input.metadata?.lazyLoading { members.append(("lazyloading", .bool(lazy))) }
            members.append(("warnings", .array(result.input.warnings.map { .string($0) })))
            members.append(("package-bytes", .uint(result.input.packageBytes)))
            members.append(("inspect", result.info.json))
            return .object(members)
        })
    }

    static func verdictName(_ verdict: Verdict) -> String { verdict.text }

    static func classification(_ c: Classification) -> JSONValue {
        .object([
            ("kind", .string(JSONOutput.kebab(c.kind.rawValue))),
            ("provenance", .string(JSONOutput.kebab(c.provenance.rawValue))),
            ("encrypted", .bool(c.encrypted)),
            ("region", c.regionID.map { .string($0) } ?? .null),
        ])
    }
}
