/// An absolute `http` or `https` URL, split into the parts koopack needs, with the path and the
/// query kept exactly as they go on the wire (percent-encoded).
///
/// `description` leaves the query out: a presigned URL carries its signature in the query, and
/// koopack never prints one. `absoluteString` is the whole URL, for the request line only.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lower-cased.
    public let scheme: String
    /// The host name, lower-cased, or an IPv6 literal in brackets.
    public let host: String
    /// The port given in the URL, when it is not the scheme's default.
    public let port: Int?
    /// The path, percent-encoded as sent; `/` when the URL has none.
    public let path: String
    /// The query without its `?`, as sent; nil when the URL has none.
    public let query: String?

    /// Parses an absolute URL. Throws a `CloudAPIError` saying what is wrong: another scheme,
    /// user information, an empty host, a bad port, or characters that must be percent-encoded.
    public init(_ text: String) throws {
        guard let separator = text.range(of: "://") else {
            throw CloudAPIError(.configuration, "\(Self.quoted(text)) is not an absolute http(s) URL")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw CloudAPIError(.configuration, "\(scheme): URLs are not supported: only https:// and http://")
        }
        var rest = Substring(text[separator.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let (host, port) = try Self.parseAuthority(rest[..<authorityEnd], scheme: scheme)
        var pathAndQuery = rest[authorityEnd...]
        var query: String?
        if let mark = pathAndQuery.firstIndex(of: "?") {
            query = String(pathAndQuery[pathAndQuery.index(after: mark)...])
            pathAndQuery = pathAndQuery[..<mark]
        }
        let path = pathAndQuery.isEmpty ? "/" : String(pathAndQuery)
        try Self.checkWireCharacters(path, in: "path")
        if let query { try Self.checkWireCharacters(query, in: "query") }
        self.init(scheme: scheme, host: host, port: port, path: path, query: query)
    }

    /// Makes a URL from parts that are already valid.
    init(scheme: String, host: String, port: Int?, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port == Self.defaultPort(scheme) ? nil : port
        self.path = path.isEmpty ? "/" : path
        self.query = query
    }

    /// The URL without its query: what koopack prints.
    public var description: String { "\(scheme)://\(authority)\(path)" }

    /// The whole URL, query included, for the request itself.
    public var absoluteString: String { description + (query.map { "?" + $0 } ?? "") }

    /// `host` or `host:port`: the value of the `Host` header.
    public var authority: String { port.map { "\(host):\($0)" } ?? host }

    /// The port the connection goes to.
    public var effectivePort: Int { port ?? Self.defaultPort(scheme) }

    /// The same URL with another query (nil for none).
    public func replacingQuery(_ query: String?) -> HTTPURL {
        HTTPURL(scheme: scheme, host: host, port: port, path: path, query: query)
    }

    /// The same URL with the query built from `items`, each name and value percent-encoded,
    /// sorted as AK/SK signing orders them, so the query sent is the canonical one that is signed.
    public func replacingQuery(items: [(String, String)]) -> HTTPURL {
        let query = AKSKSigner.canonicalQueryString(items)
        return replacingQuery(query.isEmpty ? nil : query)
    }

    /// The query's items, percent-decoded, in order; `+` is kept as a plus sign.
    public var queryItems: [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (PercentEncoding.decode(pair), "") }
            return (PercentEncoding.decode(pair[..<equals]), PercentEncoding.decode(pair[pair.index(after: equals)...]))
        }
    }

    static func defaultPort(_ scheme: String) -> Int { scheme == "http" ? 80 : 443 }

    private static func parseAuthority(_ authority: Substring, scheme: String) throws -> (String, Int?) {
        guard !authority.contains("@") else {
            throw CloudAPIError(.configuration, "URLs with a user name or password are not supported: give credentials another way")
        }
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw CloudAPIError(.configuration, "unterminated IPv6 address in the URL's host")
            }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw CloudAPIError(.configuration, "unexpected \(quoted(String(after))) after the URL's host") }
                portText = after.dropFirst()
            }
            guard host.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw CloudAPIError(.configuration, "\(quoted(String(host))) is not an IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw CloudAPIError(.configuration, "the URL has no host") }
        if !host.hasPrefix("[") {
            guard host.unicodeScalars.allSatisfy({ $0.isASCII && (PercentEncoding.isUnreserved(UInt8($0.value))) }) else {
                throw CloudAPIError(.configuration, "\(quoted(String(host))) is not a host name")
            }
        }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), let value = Int(portText),
                  value > 0, value <= 65535 else {
                throw CloudAPIError(.configuration, "\(quoted(String(portText))) is not a port number")
            }
            port = value
        }
        return (host.lowercased(), port)
    }

    /// A path or query must be printable ASCII without spaces: anything else must come
    /// percent-encoded, or the request would not be what was signed.
    private static func checkWireCharacters(_ text: String, in part: String) throws {
        for byte in text.utf8 where byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\\") {
            throw CloudAPIError(.configuration, "the URL's \(part) holds byte 0x\(String(byte, radix: 16, uppercase: true)), which must be percent-encoded")
        }
    }

    static func quoted(_ text: String) -> String {
        "\"" + (text.count > 80 ? String(text.prefix(80)) + "..." : text) + "\""
    }
}

/// RFC 3986 percent-encoding, as AK/SK signing and URL building use it.
public enum PercentEncoding {
    /// RFC 3986's unreserved characters: letters, digits, `-`, `.`, `_`, `~`.
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Encodes every byte of `text`'s UTF-8 but the unreserved ones as `%XY` (upper-case hex).
    public static func encode<S: StringProtocol>(_ text: S) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%"
                out.unicodeScalars.append(hexDigit(byte >> 4))
                out.unicodeScalars.append(hexDigit(byte & 0x0F))
            }
        }
        return out
    }

    /// Decodes `%XY` sequences; a `%` not followed by two hex digits stays as it is, and bytes
    /// that are not UTF-8 become U+FFFD, as Python's `urllib.parse.unquote` does.
    public static func decode<S: StringProtocol>(_ text: S) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexDigit(_ value: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
