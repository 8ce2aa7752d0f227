import ReleaseBundle

/// `koopack verify` in text: each difference, then the verdict on the bundle.
enum VerifyText {
    static func render(_ result: BundleVerification, bundle: String) -> String {
        var out = ""
        for difference in result.differences {
            out += "\(Terminal.red(difference.kind.rawValue)): \(difference.path): \(difference.detail)\n"
        }
        let files = result.manifest.files.count
        if result.differences.isEmpty {
            out += "bundle \(bundle) (\(result.manifest.bundleID)): \(Terminal.green("verified")), "
                + "\(files) file\(files == 1 ? "" : "s"), \(Sizes.describe(result.verifiedBytes))\n"
        } else {
            let count = result.differences.count
            out += "bundle \(bundle) (\(result.manifest.bundleID)): \(Terminal.red("\(count) difference\(count == 1 ? "" : "s")")); "
                + "\(result.verifiedFiles) of \(files) files verified\n"
        }
        return out
    }
}
