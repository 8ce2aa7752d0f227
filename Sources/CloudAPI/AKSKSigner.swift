import Crypto

/// Huawei Cloud's AK/SK request signing, `SDK-HMAC-SHA256`, as the API Request Signing Guide
/// describes it and Huawei's SDKs do it:
///
/// ```
/// CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
///                    SignedHeaders \n hex(SHA256(body))
/// StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA256(CanonicalRequest))
/// Authorization    = "SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=hex(HMAC-SHA256(SK, StringToSign))"
/// ```
///
/// The canonical URI is each path segment percent-decoded, then encoded with only RFC 3986's
/// unreserved characters left bare, and always ends in `/`. The query's names and values are
/// encoded the same way and sorted (by name, then value, in code point order), each as `name=value`
/// even when the value is empty. Every header of the request whose name has no `_` is signed:
/// lower-cased names, values trimmed, sorted by name.
public struct AKSKSigner: Sendable {
    public static let algorithm = "SDK-HMAC-SHA256"
    /// SHA-256 of nothing: the payload hash of a request without a body.
    static let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: Credentials

    public init(credentials: Credentials) { self.credentials = credentials }

    /// The request signed at `seconds` since 1970: with `Host` (when absent), `X-Sdk-Date`,
    /// `X-Security-Token` for temporary credentials, and `Authorization`. Headers the caller
    /// adds later are not signed.
    public func sign(_ request: HTTPRequest, at seconds: Int) -> HTTPRequest {
        sign(request, date: HTTPDate.signingFormat(seconds))
    }

    /// The request signed with `date` (`YYYYMMDDTHHMMSSZ`) as its `X-Sdk-Date`.
    public func sign(_ request: HTTPRequest, date: String) -> HTTPRequest {
        var signed = request
        signed.headers.removeAll { $0.name.lowercased() == "authorization" }
        if let token = credentials.securityToken { signed.setHeader("X-Security-Token", token) }
        if let contentType = signed.header("Content-Type"),
           !contentType.hasPrefix("application/json"), !contentType.hasPrefix("application/bson") {
            signed.setHeader("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
        }
        signed.setHeader("X-Sdk-Date", date)
        if signed.header("Host") == nil { signed.setHeader("Host", request.url.authority) }
        let (canonical, signedHeaders) = Self.canonicalRequest(signed)
        let signature = Self.signature(stringToSign: Self.stringToSign(canonicalRequest: canonical, date: date),
                                       secretKey: credentials.secretKey)
        signed.setHeader("Authorization", Self.authorization(accessKey: credentials.accessKey,
                                                             signedHeaders: signedHeaders, signature: signature))
        return signed
    }

    /// The canonical request of `request` (headers as they stand) and its signed-header list.
    public static func canonicalRequest(_ request: HTTPRequest) -> (canonical: String, signedHeaders: String) {
        var values: [String: String] = [:]
        for header in request.headers where !header.name.contains("_") {
            values[header.name.lowercased()] = header.value.trimmed
        }
        let names = values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let canonicalHeaders = names.map { "\($0):\(values[$0]!)\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let payloadHash: String
        if request.body.isEmpty {
            payloadHash = emptyBodyHash
        } else if let declared = request.header("X-Sdk-Content-Sha256"), !declared.isEmpty {
            payloadHash = declared
        } else {
            payloadHash = hex(SHA256.hash(data: request.body))
        }
        let canonical = [request.method.uppercased(), canonicalURI(request.url.path),
                         canonicalQueryString(request.url.queryItems), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    /// The canonical URI of a wire path: each segment decoded, then encoded, ending in `/`.
    public static func canonicalURI(_ path: String) -> String {
        var uri = PercentEncoding.decode(path).split(separator: "/", omittingEmptySubsequences: false)
            .map { PercentEncoding.encode($0) }
            .joined(separator: "/")
        if !uri.hasSuffix("/") { uri += "/" }
        return uri
    }

    /// The canonical query string of decoded `items`: sorted by name then value, each encoded.
    public static func canonicalQueryString(_ items: [(String, String)]) -> String {
        items.sorted { a, b in
            let (ka, kb) = (Array(a.0.utf8), Array(b.0.utf8))
            return ka != kb ? ka.lexicographicallyPrecedes(kb) : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }
        .map { PercentEncoding.encode($0.0) + "=" + PercentEncoding.encode($0.1) }
        .joined(separator: "&")
    }

    /// The string to sign: the algorithm, the date, and the canonical request's SHA-256 in hex.
    public static func stringToSign(canonicalRequest: String, date: String) -> String {
        "\(algorithm)\n\(date)\n\(hex(SHA256.hash(data: Array(canonicalRequest.utf8))))"
    }

    /// HMAC-SHA256 of the string to sign with the secret key, in lower-case hex.
    public static func signature(stringToSign: String, secretKey: String) -> String {
        let key = SymmetricKey(data: Array(secretKey.utf8))
        return hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// The `Authorization` header's value.
    public static func authorization(accessKey: String, signedHeaders: String, signature: String) -> String {
        "\(algorithm) Access=\(accessKey), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".unicodeScalars)
        var out = String.UnicodeScalarView()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(out)
    }
}
