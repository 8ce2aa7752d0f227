/// One header line of a request or a response.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request as koopack sends it: the method, the URL (its query already in the order it is
/// signed), the headers and the body.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: HTTPURL
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(method: String = "GET", url: HTTPURL, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of the header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? { headers.value(of: name) }

    /// Sets the header `name`, replacing any other of that name whatever its case.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append(HTTPHeader(name, value))
    }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]

    public init(status: Int, headers: [HTTPHeader]) {
        self.status = status
        self.headers = headers
    }

    /// The value of the header `name` (case-insensitive), or nil.
    public func header(_ name: String) -> String? { headers.value(of: name) }

    /// The `X-Request-Id` Huawei Cloud's gateways put on every answer, worth quoting in errors.
    public var requestID: String? { header("X-Request-Id") ?? header("X-Obs-Request-Id") }
}

/// A whole response: its head, its body (at most the client's cap), and the URL that answered
/// (the last one, after redirects).
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: [UInt8]
    public var url: HTTPURL
    /// How many tries it took (1 when the first answer was final).
    public var attempts: Int

    public var status: Int { head.status }
    public var isSuccess: Bool { (200..<300).contains(head.status) }
}

/// What the verbose hook is told about each exchange with a server: enough to follow what
/// koopack does, never a secret (the URL is printed without its query, no header is copied).
public struct HTTPExchange: Sendable {
    public var method: String
    /// The URL without its query.
    public var url: String
    /// The status, or nil when no answer came.
    public var status: Int?
    public var requestID: String?
    /// Milliseconds from sending the request to the end of the answer.
    public var milliseconds: Int
    /// Bytes of response body received.
    public var bodyBytes: Int
    /// 1 for the first try of a request, 2 and on for its retries.
    public var attempt: Int
    /// Why the exchange failed, when it did (a transport error, or an answer refused).
    public var failure: String?

    /// One line for `--verbose`: `GET https://ims.../v2/cloudimages 200 request-id 12 ms`.
    public var summary: String {
        var text = "\(method) \(url) \(status.map(String.init) ?? "-")"
        if let requestID { text += " request-id \(requestID)" }
        text += " \(milliseconds) ms"
        if attempt > 1 { text += " (try \(attempt))" }
        if let failure { text += ": \(failure)" }
        return text
    }
}

extension Array where Element == HTTPHeader {
    /// The value of the first header named `name` (case-insensitive).
    func value(of name: String) -> String? {
        let lower = name.lowercased()
        return first { $0.name.lowercased() == lower }?.value
    }
}
