import ArgumentParser
import ReleasePolicy

extension Site: ExpressibleByArgument {}

/// `--site` and `--policy`: the policy profile images are judged by. Shared by check, audit and
/// bundle.
struct PolicyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The Huawei Cloud site the product is sold on: international (the eight regions) or eu (EU-Dublin, eu-west-101); a built-in policy profile.", valueName: "site"))
    var site: Site = .international

    @Option(name: .long, help: ArgumentHelp("A YAML policy profile overriding the site's (allowed-regions, max-package-bytes, near-limit-bytes, accepted-formats, min-system-disk-gb, max-system-disk-gb).", valueName: "file"))
    var policy: String?

    /// The site's built-in profile, with the `--policy` file's keys over it. Throws an
    /// `ImageError` naming the file when it cannot be read or is not a profile.
    func profile() throws -> PolicyProfile {
        let base = PolicyProfile.site(site)
        guard let policy else { return base }
        return try PolicyProfile.load(yaml: try TextFiles.read(policy), file: policy, base: base)
    }
}

/// `--strict`: warnings (and unchecked images) fail as errors do. Shared by bundle.
struct StrictOptions: ParsableArguments {
    @Flag(name: .long, help: "Fail on warnings too (an unchecked image included).")
    var strict = false
}
