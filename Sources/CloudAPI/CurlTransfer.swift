#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CCurlShim
import Synchronization

/// One HTTP exchange over libcurl: no redirect followed, TLS verified, the body collected up to a
/// cap, and a check of the response's head that may stop the transfer before its body arrives.
///
/// libcurl is loaded (by the `CCurlShim` target) on the first exchange, so a koopack command that
/// never goes on the network never maps it, nor OpenSSL and the rest behind it.
enum CurlTransfer {
    /// What one exchange asks of libcurl.
    struct Exchange {
        var method: String
        var url: HTTPURL
        var headers: [HTTPHeader]
        var body: [UInt8]
        var certificates: [UInt8]?
        var connectTimeout: Double
        var requestTimeout: Double
        var bodyLimit: Int
        /// Called once with the final head, before the first body byte (or at the end when there
        /// is no body); a throw stops the transfer at once and is rethrown.
        var checkHead: (@Sendable (HTTPResponseHead) throws -> Void)?
    }

    /// An exchange that did not complete, and whether a retry could help.
    struct Failure: Error {
        var code: Int32
        var message: String
        /// A connection was made (or an answer began) before the failure.
        var connected: Bool
    }

    /// Runs `exchange` on a pooled handle. Throws `Failure` for transport errors, a
    /// `CloudAPIError` for a body over the cap, or what `checkHead` threw.
    static func perform(_ exchange: Exchange) throws -> (HTTPResponseHead, [UInt8]) {
        if let problem = koopack_curl_load() {
            throw CloudAPIError(.transport, String(cString: problem), endpoint: exchange.url.description, method: exchange.method)
        }
        let handle = try pool.borrow()
        defer { pool.giveBack(handle) }
        let state = TransferState(bodyLimit: exchange.bodyLimit, checkHead: exchange.checkHead)
        let headerLines = exchange.headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
        var cHeaders = headerLines.map { strdup($0) }
        defer { cHeaders.forEach { free($0) } }
        var outcome = koopack_http_outcome()
        exchange.url.absoluteString.withCString { url in
            exchange.method.withCString { method in
                cHeaders.withUnsafeMutableBufferPointer { headerPointers in
                    headerPointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { headerList in
                        exchange.body.withUnsafeBufferPointer { body in
                            withOptionalBytes(exchange.certificates) { ca in
                                var request = koopack_http_request()
                                request.url = url
                                request.method = method
                                request.headers = UnsafePointer(headerList.baseAddress)
                                request.header_count = headerList.count
                                request.body = body.baseAddress
                                request.body_length = body.count
                                request.ca_bundle = ca.map { UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self) }
                                request.ca_bundle_length = ca?.count ?? 0
                                request.connect_timeout_ms = max(1, Int(exchange.connectTimeout * 1000))
                                request.total_timeout_ms = max(1, Int(exchange.requestTimeout * 1000))
                                request.context = Unmanaged.passUnretained(state).toOpaque()
                                request.on_header = { context, line, length in
                                    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                                    return state.header(UnsafeRawBufferPointer(start: line, count: length)) ? length : 0
                                }
                                request.on_body = { context, data, length in
                                    let state = Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
                                    return state.body(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
                                }
                                _ = koopack_curl_perform(handle.pointer, &request, &outcome)
                            }
                        }
                    }
                }
            }
        }
        if let stopped = state.stopped { throw stopped }
        guard outcome.code == 0 else {
            let message = withUnsafeBytes(of: outcome.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw Failure(code: outcome.code, message: message, connected: outcome.connected != 0 || state.status != 0)
        }
        let head = HTTPResponseHead(status: state.status, headers: state.headers)
        if !state.headChecked, let checkHead = exchange.checkHead { try checkHead(head) }
        return (head, state.collected)
    }

    /// Idle libcurl handles, kept so that connections and TLS sessions are reused.
    private static let pool = HandlePool()
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
    guard let bytes, !bytes.isEmpty else { return body(nil) }
    return bytes.withUnsafeBufferPointer { body($0) }
}

/// A libcurl easy handle; used by one exchange at a time.
struct CurlHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// A few idle handles, so that consecutive exchanges reuse live connections.
final class HandlePool: Sendable {
    private let idle = Mutex<[CurlHandle]>([])
    private static let maximumIdle = 8

    func borrow() throws -> CurlHandle {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        guard let pointer = koopack_curl_handle_new() else {
            throw CloudAPIError(.transport, "libcurl could not make a transfer handle")
        }
        return CurlHandle(pointer: pointer)
    }

    func giveBack(_ handle: CurlHandle) {
        let kept = idle.withLock { handles -> Bool in
            guard handles.count < Self.maximumIdle else { return false }
            handles.append(handle)
            return true
        }
        if !kept { koopack_curl_handle_free(handle.pointer) }
    }
}

/// What the C callbacks collect during one exchange. Used by libcurl's thread only.
private final class TransferState {
    let bodyLimit: Int
    let checkHead: (@Sendable (HTTPResponseHead) throws -> Void)?
    var status = 0
    var headers: [HTTPHeader] = []
    var headerBytes = 0
    var collected: [UInt8] = []
    var headChecked = false
    /// Why the transfer was stopped from a callback.
    var stopped: Error?

    /// All header blocks together may not pass this: a server cannot make koopack hold more.
    static let maximumHeaderBytes = 256 << 10

    init(bodyLimit: Int, checkHead: (@Sendable (HTTPResponseHead) throws -> Void)?) {
        self.bodyLimit = bodyLimit
        self.checkHead = checkHead
    }

    /// One header line. A status line starts a new block (a proxy's CONNECT answer, a 100
    /// Continue, then the real answer); the last block is the response's.
    func header(_ line: UnsafeRawBufferPointer) -> Bool {
        headerBytes += line.count
        guard headerBytes <= Self.maximumHeaderBytes else {
            stopped = CloudAPIError(.response, "the response's headers pass \(Self.maximumHeaderBytes) bytes")
            return false
        }
        let text = String(decoding: line, as: UTF8.self).trimmed
        if text.hasPrefix("HTTP/") {
            let fields = text.split(separator: " ", maxSplits: 2)
            status = fields.count >= 2 ? Int(fields[1]) ?? 0 : 0
            headers = []
        } else if let first = text.first, first != " ", first != "\t", let colon = text.firstIndex(of: ":") {
            headers.append(HTTPHeader(String(text[..<colon]), text[text.index(after: colon)...].trimmed))
        }
        return true
    }

    func body(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if !headChecked {
            headChecked = true
            if let checkHead {
                do { try checkHead(HTTPResponseHead(status: status, headers: headers)) } catch {
                    stopped = error
                    return false
                }
            }
        }
        guard collected.count + chunk.count <= bodyLimit else {
            stopped = CloudAPIError(.response, "the response body passes the limit of \(bodyLimit) bytes; koopack stopped reading it",
                                    status: status, requestID: HTTPResponseHead(status: status, headers: headers).requestID)
            return false
        }
        collected.append(contentsOf: chunk)
        return true
    }
}
