/// A package installed in the guest, as its package manager's database records it.
public struct InstalledPackage: Sendable, Equatable {
    /// Which database it came from, which decides its purl type.
    public enum Manager: String, Sendable {
        case dpkg, rpm
    }

    public var manager: Manager
    public var name: String
    /// The version without the epoch: dpkg's `upstream-revision`, rpm's `VERSION-RELEASE`.
    public var version: String
    /// The epoch, when the package has one (`1` of dpkg's `1:2.3-4`, rpm's EPOCH tag).
    public var epoch: String?
    /// `amd64`, `x86_64`, `all`, `noarch`.
    public var architecture: String?
    /// The source package: dpkg's `Source` (without its version), rpm's SOURCERPM.
    public var source: String?

    public init(manager: Manager, name: String, version: String, epoch: String? = nil,
                architecture: String? = nil, source: String? = nil) {
        self.manager = manager
        self.name = name
        self.version = version
        self.epoch = epoch
        self.architecture = architecture
        self.source = source
    }

    /// The version as the package manager prints it: `1:2.3-4` with an epoch, else `2.3-4`.
    public var fullVersion: String {
        epoch.map { "\($0):\(version)" } ?? version
    }
}

/// dpkg's database of installed packages, `/var/lib/dpkg/status`: deb822 paragraphs, one per
/// package, with `Package`, `Status`, `Version`, `Architecture` and `Source` fields.
public enum DpkgStatus {
    /// Most paragraphs read: a large desktop install has about 5,000 packages.
    public static let maxPackages = 200_000
    /// Longest field value kept (a `Description` or `Conffiles` can be long; the fields koopack
    /// keeps are short, so longer values are cut).
    static let maxValueLength = 4096

    /// The installed packages (Status `<want> ok installed`: `install ok installed`, and also
    /// `hold ok installed` and `deinstall ok installed`, which are on the disk all the same), in
    /// file order. Packages that are only configured-files, half-installed or not installed are
    /// left out, as `dpkg-query` shows them with a status other than `ii`/`hi`.
    public static func parse(_ bytes: [UInt8]) -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        var fields: [String: String] = [:]

        func finish() {
            defer { fields = [:] }
            guard packages.count < maxPackages, let name = fields["package"], !name.isEmpty,
                  let version = fields["version"], !version.isEmpty, let status = fields["status"] else { return }
            let words = status.split(separator: " ")
            guard words.count == 3, words[1] == "ok", words[2] == "installed" else { return }
            var epoch: String?
            var upstream = version
            if let colon = version.firstIndex(of: ":"), version[..<colon].allSatisfy(\.isNumber), colon != version.startIndex {
                epoch = String(version[..<colon])
                upstream = String(version[version.index(after: colon)...])
            }
            let source = fields["source"].flatMap { $0.split(separator: " ").first.map(String.init) }
            packages.append(InstalledPackage(manager: .dpkg, name: name, version: upstream, epoch: epoch,
                                             architecture: fields["architecture"], source: source))
        }

        var start = 0
        let count = bytes.count
        while start < count {
            var end = start
            while end < count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) {
                finish()
                continue
            }
            if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") { continue }  // continuation
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let key = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            guard ["package", "status", "version", "architecture", "source"].contains(key) else { continue }
            let value = String(decoding: line[(colon + 1)...].prefix(maxValueLength), as: UTF8.self)
            fields[key] = value.trimmingWhitespace
        }
        finish()
        return packages
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let c = slice.first, c == " " || c == "\t" { slice.removeFirst() }
        while let c = slice.last, c == " " || c == "\t" { slice.removeLast() }
        return String(slice)
    }
}
