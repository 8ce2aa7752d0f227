/// Package URLs (purl, https://github.com/package-url/purl-spec) for installed OS packages, the
/// identifiers Grype and Trivy match vulnerabilities by:
/// `pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12` and
/// `pkg:rpm/rhel/openssl@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4&epoch=1`.
/// The namespace is os-release's `ID`; the epoch goes in the `epoch` qualifier (as Trivy writes
/// it); qualifiers are sorted by key, as the spec asks.
public enum PackageURL {
    /// The purl of `package` on a guest whose os-release is `os`.
    public static func of(_ package: InstalledPackage, os: OSRelease?) -> String {
        let type = package.manager == .dpkg ? "deb" : "rpm"
        var purl = "pkg:\(type)/"
        if let namespace = os?.id?.lowercased() { purl += encode(namespace) + "/" }
        purl += encode(package.name) + "@" + encode(package.version)
        var qualifiers: [(String, String)] = []
        if let arch = package.architecture, !arch.isEmpty { qualifiers.append(("arch", arch)) }
        if let id = os?.id {
            qualifiers.append(("distro", os?.versionID.map { "\(id)-\($0)" } ?? id))
        }
        if let epoch = package.epoch, !epoch.isEmpty, epoch != "0" || package.manager == .dpkg {
            qualifiers.append(("epoch", epoch))
        }
        qualifiers.sort { $0.0 < $1.0 }
        if !qualifiers.isEmpty {
            purl += "?" + qualifiers.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
        }
        return purl
    }

    /// `text` percent-encoded as the purl spec asks: ASCII letters, digits, `.`, `-`, `_` and
    /// `~` stay; `:` stays (the spec never needs it encoded); every other byte of the UTF-8
    /// becomes `%XX` in upper case, so `+` is `%2B` and `/` in a name is `%2F`.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"),
                 UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}
