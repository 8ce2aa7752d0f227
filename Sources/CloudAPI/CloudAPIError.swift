import DiskImage

/// What went wrong talking to a server: which endpoint, the HTTP status, the API's own
/// `error_code` and `error_msg`, and the `X-Request-Id` to quote to support. Printed as one line.
///
/// No field ever holds a secret: URLs are kept without their query, and no header but the
/// request ID is copied in.
public struct CloudAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// A missing or malformed environment variable, option or URL.
        case configuration
        /// No usable answer: connection refused, TLS failure, timeout, libcurl missing.
        case transport
        /// A redirect koopack refuses (another host, another scheme, too many).
        case redirect
        /// The server answered with an error status.
        case status
        /// The answer was not what the API promises: bad JSON, over the size cap, a paging loop.
        case response
        /// IAM lists no project of the account in the region: the region is not enabled for it,
        /// so it holds no images (a search over every region skips it).
        case noProject
    }

    public var kind: Kind
    /// The URL the request went to, without its query.
    public var endpoint: String?
    public var method: String?
    public var status: Int?
    /// The API's `error_code` (APIG, IMS) or `error.code` (IAM, Glance-style).
    public var errorCode: String?
    /// The API's `error_msg` or `error.message`.
    public var errorMessage: String?
    /// The response's `X-Request-Id`.
    public var requestID: String?
    /// What koopack makes of it.
    public var message: String

    public init(_ kind: Kind, _ message: String, endpoint: String? = nil, method: String? = nil,
                status: Int? = nil, errorCode: String? = nil, errorMessage: String? = nil, requestID: String? = nil) {
        self.kind = kind
        self.message = message
        self.endpoint = endpoint
        self.method = method
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.requestID = requestID
    }

    public var description: String {
        var text = ""
        if let endpoint { text += (method.map { $0 + " " } ?? "") + endpoint + ": " }
        if let status { text += "HTTP \(status)" + (errorCode == nil && errorMessage == nil ? ": " : " ") }
        if errorCode != nil || errorMessage != nil {
            text += [errorCode, errorMessage].compactMap { $0 }.joined(separator: " ") + ": "
        }
        text += message
        if let requestID { text += " (request ID \(requestID))" }
        return text
    }

    /// The error for a response whose status says the request failed, with the API's error code
    /// and message read from its body when it has them.
    static func status(_ response: HTTPResponse, method: String, what: String) -> CloudAPIError {
        let (code, message) = apiError(in: response.body)
        return CloudAPIError(.status, what + Self.hint(status: response.status, code: code),
                             endpoint: response.url.description, method: method, status: response.status,
                             errorCode: code, errorMessage: message, requestID: response.head.requestID)
    }

    /// The error code and message of an API error body: `{"error_code", "error_msg"}` (APIG and
    /// IMS) or `{"error": {"code", "message"}}` (IAM, Glance-style). Nil where the body is not such.
    static func apiError(in body: [UInt8]) -> (String?, String?) {
        guard !body.isEmpty, body.count <= 1 << 20,
              let value = try? JSONParser.parse(body, maximumInputBytes: 1 << 20) else { return (nil, nil) }
        func text(_ value: JSONValue?) -> String? {
            switch value {
            case let .string(s)?: return s.isEmpty ? nil : String(s.prefix(500))
            case let .int(i)?: return String(i)
            case let .uint(u)?: return String(u)
            default: return nil
            }
        }
        if let code = text(value["error_code"]) { return (code, text(value["error_msg"])) }
        if let nested = value["error"] { return (text(nested["code"]), text(nested["message"])) }
        return (nil, text(value["error_msg"]) ?? text(value["message"]))
    }

    /// What to do about the common failures.
    private static func hint(status: Int, code: String?) -> String {
        switch (status, code) {
        case (401, "APIGW.0301"?):
            return ": the signature does not match: check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, and the clock"
        case (401, _):
            return ": the credentials were refused (expired temporary credentials need a new HUAWEICLOUD_SDK_SECURITY_TOKEN)"
        case (403, _):
            return ": the credentials may not do this (IAM permissions)"
        default:
            return ""
        }
    }
}
