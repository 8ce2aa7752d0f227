import CCurlShim
import DiskImage
import Synchronization

/// koopack's HTTP client: one request at a time per call, blocking the calling thread, over
/// libcurl (loaded on first use). It verifies TLS always, honours `HTTPS_PROXY`/`NO_PROXY` (as
/// libcurl does), retries connection errors, 429 and 5xx with exponential backoff and jitter
/// (honouring `Retry-After`), follows redirects on the same host only, caps response bodies, and
/// reports every exchange to an observer (the command line's `--verbose`); it prints nothing.
public final class HTTPClient: Sendable {
    public let configuration: HTTPConfiguration
    private let observer: (@Sendable (HTTPExchange) -> Void)?
    /// The system's CA bundle followed by the extra certificates, made on first use (nil when
    /// there are no extra certificates: libcurl's default is then used as it is).
    private let certificateBundle = Mutex<[UInt8]??>(nil)

    public init(configuration: HTTPConfiguration = HTTPConfiguration(), observer: (@Sendable (HTTPExchange) -> Void)? = nil) {
        self.configuration = configuration
        self.observer = observer
    }

    /// What one call to `send` asks besides the request.
    public struct Options: Sendable {
        /// The largest body accepted; nil for the configuration's cap.
        public var bodyLimit: Int?
        /// Looks at the final answer's head before its body arrives; a throw stops the transfer
        /// at once (no retry) and is rethrown by `send`.
        public var checkHead: (@Sendable (HTTPResponseHead) throws -> Void)?
        /// Told of each exchange of this call, besides the client's observer.
        public var onExchange: (@Sendable (HTTPExchange) -> Void)?

        public init(bodyLimit: Int? = nil, checkHead: (@Sendable (HTTPResponseHead) throws -> Void)? = nil,
                    onExchange: (@Sendable (HTTPExchange) -> Void)? = nil) {
            self.bodyLimit = bodyLimit
            self.checkHead = checkHead
            self.onExchange = onExchange
        }
    }

    /// Sends `request` and returns the final answer, whatever its status (429 and 5xx only
    /// once the tries are used up). `prepare` turns each exchange's request into what is sent
    /// (AK/SK signing, with a fresh date on every try and after every redirect). Throws a
    /// `CloudAPIError` for transport failures and refused redirects, or what `checkHead` threw.
    public func send(_ request: HTTPRequest, options: Options = Options(),
                     prepare: (@Sendable (HTTPRequest) -> HTTPRequest)? = nil) throws -> HTTPResponse {
        var target = request
        var attempt = 1
        var redirects = 0
        let certificates = try bundle()
        while true {
            let prepared = prepare?(target) ?? target
            let started = HTTPDate.monotonicMilliseconds()
            var exchange = HTTPExchange(method: prepared.method, url: prepared.url.description, status: nil, requestID: nil,
                                        milliseconds: 0, bodyBytes: 0, attempt: attempt, failure: nil)
            let head: HTTPResponseHead
            let body: [UInt8]
            do {
                (head, body) = try CurlTransfer.perform(CurlTransfer.Exchange(
                    method: prepared.method, url: prepared.url, headers: prepared.headers, body: prepared.body,
                    certificates: certificates, connectTimeout: configuration.connectTimeout,
                    requestTimeout: configuration.requestTimeout,
                    bodyLimit: options.bodyLimit ?? configuration.maximumBodyBytes, checkHead: options.checkHead))
            } catch let failure as CurlTransfer.Failure {
                exchange.milliseconds = Int(HTTPDate.monotonicMilliseconds() - started)
                exchange.failure = failure.message
                report(exchange, options)
                if Self.isRetryable(failure), attempt < configuration.maximumAttempts {
                    HTTPDate.sleep(seconds: configuration.delay(afterAttempt: attempt, retryAfter: nil))
                    attempt += 1
                    continue
                }
                throw transportError(failure, request: prepared, attempts: attempt)
            } catch {
                exchange.milliseconds = Int(HTTPDate.monotonicMilliseconds() - started)
                exchange.failure = "\(error)"
                report(exchange, options)
                if var located = error as? CloudAPIError, located.endpoint == nil {
                    located.endpoint = prepared.url.description
                    located.method = prepared.method
                    throw located
                }
                throw error
            }
            exchange.milliseconds = Int(HTTPDate.monotonicMilliseconds() - started)
            exchange.status = head.status
            exchange.requestID = head.requestID
            exchange.bodyBytes = body.count
            report(exchange, options)
            let response = HTTPResponse(head: head, body: body, url: prepared.url, attempts: attempt)
            if [301, 302, 303, 307, 308].contains(head.status), let location = head.header("Location") {
                redirects += 1
                target = try redirected(target, to: location, redirects: redirects)
                if head.status == 303 {
                    target.method = "GET"
                    target.body = []
                }
                continue
            }
            if head.status == 429 || (500...599).contains(head.status), attempt < configuration.maximumAttempts {
                let retryAfter = head.header("Retry-After").flatMap { parseRetryAfter($0, now: HTTPDate.now()) }
                if let retryAfter, retryAfter > configuration.maximumRetryAfter {
                    throw CloudAPIError.status(response, method: prepared.method,
                                               what: "the server asks to retry after \(Int(retryAfter)) s, longer than koopack waits (\(Int(configuration.maximumRetryAfter)) s)")
                }
                HTTPDate.sleep(seconds: configuration.delay(afterAttempt: attempt, retryAfter: retryAfter))
                attempt += 1
                continue
            }
            return response
        }
    }

    /// The request sent to a redirect's target, when koopack may follow it: at most
    /// `maximumRedirects`, on the same host and port, never from https to http.
    private func redirected(_ request: HTTPRequest, to location: String, redirects: Int) throws -> HTTPRequest {
        let from = request.url
        guard redirects <= configuration.maximumRedirects else {
            throw CloudAPIError(.redirect, "more than \(configuration.maximumRedirects) redirects", endpoint: from.description, method: request.method)
        }
        let to = try from.resolving(reference: location)
        if from.scheme == "https" && to.scheme == "http" {
            throw CloudAPIError(.redirect, "redirects from https to http (\(to)): refused", endpoint: from.description, method: request.method)
        }
        let upgrade = from.scheme == "http" && to.scheme == "https" && from.port == nil && to.port == nil
        guard to.host == from.host, to.effectivePort == from.effectivePort || upgrade else {
            throw CloudAPIError(.redirect, "redirects to another host (\(to.authority)): refused, credentials and signatures stay with the host they were made for",
                                endpoint: from.description, method: request.method)
        }
        var next = request
        next.url = to
        next.headers.removeAll { $0.name.lowercased() == "host" }
        return next
    }

    /// Connection failures that another try may cure: no connection made, or the connection
    /// dropped before any answer. A timeout after the server answered is not retried.
    static func isRetryable(_ failure: CurlTransfer.Failure) -> Bool {
        switch failure.code {
        case 5, 6, 7, 35, 52, 55, 56: return true   // resolve, connect, TLS handshake, empty reply, send, receive
        case 28: return !failure.connected          // operation timed out
        default: return false
        }
    }

    private func transportError(_ failure: CurlTransfer.Failure, request: HTTPRequest, attempts: Int) -> CloudAPIError {
        var message: String
        switch failure.code {
        case 28 where failure.connected:
            message = "no complete answer within \(Self.seconds(configuration.requestTimeout)) s (\(HTTPConfiguration.timeoutVariable) sets the timeout): \(failure.message)"
        case 28:
            message = "could not connect within \(Self.seconds(configuration.connectTimeout)) s: \(failure.message)"
        case 60, 77, 83:
            message = "the server's TLS certificate is not trusted: \(failure.message) (add its CA with --ca-certificates or SSL_CERT_FILE)"
        default:
            message = failure.message
        }
        if attempts > 1 { message += " (after \(attempts) tries)" }
        return CloudAPIError(.transport, message, endpoint: request.url.description, method: request.method)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private func report(_ exchange: HTTPExchange, _ options: Options) {
        observer?(exchange)
        options.onExchange?(exchange)
    }

    /// The CA bundle to hand libcurl: nil (its default) unless extra certificates were given,
    /// then the system's bundle with them appended, so they add to the system's trust.
    private func bundle() throws -> [UInt8]? {
        guard !configuration.extraCertificates.isEmpty else { return nil }
        return try certificateBundle.withLock { cached -> [UInt8]? in
            if let cached { return cached }
            if let problem = koopack_curl_load() { throw CloudAPIError(.transport, String(cString: problem)) }
            var candidates = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]
            if let compiled = koopack_curl_default_ca_file() { candidates.insert(String(cString: compiled), at: 0) }
            var combined: [UInt8] = []
            for path in candidates {
                guard let file = try? FileByteSource(path: path), file.size > 0, file.size <= 16 << 20,
                      let bytes = try? file.read(at: 0, count: Int(file.size)) else { continue }
                combined = bytes
                if combined.last != 0x0A { combined.append(0x0A) }
                break
            }
            combined += configuration.extraCertificates
            cached = .some(combined)
            return combined
        }
    }
}
