/// What a file name found inside a remote image (a backing file, a VMDK extent) means next to
/// the URL the image was read from.
public enum RemoteNameResolution: Sendable, Equatable {
    /// The name is this URL, on the same host as the image.
    case url(HTTPURL)
    /// The name cannot be opened, and why: the image's URL carries a query (a presigned URL),
    /// whose signature covers that one object only, so its neighbours are never guessed at.
    case notOpened(String)
}

extension HTTPURL {
    /// Resolves a `Location` header's value against this URL (RFC 3986, section 5.2): an
    /// absolute URL, `//host/path`, an absolute path, a query alone, or a relative path. Throws
    /// when it names another scheme than http(s) (`file:`, `ftp:`...); whether the target is an
    /// acceptable redirect is the caller's decision.
    public func resolving(reference: String) throws -> HTTPURL {
        var reference = Substring(reference.trimmed)
        if let hash = reference.firstIndex(of: "#") { reference = reference[..<hash] }
        if let scheme = Self.schemePrefix(reference) {
            guard scheme == "http" || scheme == "https" else {
                throw CloudAPIError(.redirect, "\(description) redirects to a \(scheme): URL, which koopack never follows")
            }
            return try HTTPURL(String(reference))
        }
        if reference.hasPrefix("//") { return try HTTPURL(scheme + ":" + reference) }
        var query: String?
        if let mark = reference.firstIndex(of: "?") {
            query = String(reference[reference.index(after: mark)...])
            reference = reference[..<mark]
        }
        let path: String
        if reference.isEmpty {
            path = self.path
            if query == nil { query = self.query }
        } else if reference.hasPrefix("/") {
            path = Self.removingDotSegments(String(reference))
        } else {
            path = Self.removingDotSegments(directory + reference)
        }
        return try HTTPURL(HTTPURL(scheme: scheme, host: host, port: port, path: path, query: query).absoluteString)
    }

    /// Resolves a file name from inside the image at this URL (a backing file or an extent
    /// named relative to the image) as a URL on the same host. The name is a file path, not a
    /// URL: each of its segments is percent-encoded. Throws when the name would leave the
    /// image's host: an absolute path (meaningful only on the machine that made the image) or a
    /// name with a scheme. Returns `.notOpened` when this URL has a query (a presigned URL).
    public func resolvingRelativeName(_ name: String) throws -> RemoteNameResolution {
        guard !name.isEmpty else { throw CloudAPIError(.configuration, "an empty file name cannot be resolved against \(description)") }
        guard !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw CloudAPIError(.configuration, "the file name \(Self.quoted(name)) holds control characters")
        }
        if name.hasPrefix("/") || name.hasPrefix("\\") {
            throw CloudAPIError(.configuration, "\(Self.quoted(name)) is an absolute path: next to \(description) only a name relative to the image can be opened")
        }
        if let scheme = Self.schemePrefix(Substring(name)) {
            throw CloudAPIError(.configuration, "\(Self.quoted(name)) names another location (\(scheme):): next to \(description) only a name relative to the image can be opened")
        }
        if query != nil {
            return .notOpened("\(Self.quoted(name)) was not opened: \(description) is a presigned URL (it has a query), whose signature does not cover other objects")
        }
        let encoded = name.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0 == "." || $0 == ".." ? String($0) : PercentEncoding.encode($0) }
            .joined(separator: "/")
        let path = Self.removingDotSegments(directory + encoded)
        return .url(HTTPURL(scheme: scheme, host: host, port: port, path: path, query: nil))
    }

    /// The path up to and including its last `/`.
    private var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "/" }
        return String(path[...slash])
    }

    /// The scheme at the start of `text` (lower-cased), when it has one.
    static func schemePrefix(_ text: Substring) -> String? {
        guard let colon = text.firstIndex(of: ":"), colon > text.startIndex else { return nil }
        let candidate = text[..<colon]
        guard let first = candidate.first, first.isASCII, first.isLetter,
              candidate.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        return candidate.lowercased()
    }

    /// RFC 3986's remove_dot_segments: `.` and `..` segments go, and `..` never climbs above `/`.
    static func removingDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            let last = index == segments.count - 1
            switch segment {
            case ".":
                if last { output.append("") }
            case "..":
                if output.count > 1 { output.removeLast() }
                if last { output.append("") }
            default:
                output.append(segment)
            }
        }
        let joined = output.joined(separator: "/")
        return joined.hasPrefix("/") ? joined : "/" + joined
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's optional white space).
    var trimmed: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" || first == "\n" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" || last == "\n" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
