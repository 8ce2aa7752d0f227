import DiskImage
import Synchronization

/// The range requests behind `HTTPRangeSource`, and the checks each answer must pass.
enum RangeFetch {
    /// What the first answer tells: the object's size, its identity, and its first bytes.
    struct First {
        var size: UInt64
        var identity: ObjectIdentity
        var body: [UInt8]
    }

    /// A `Content-Range` header: `bytes START-END/TOTAL` (end inclusive), or `bytes */TOTAL`.
    struct ContentRange: Equatable {
        var range: ClosedRange<UInt64>?
        var total: UInt64

        init?(_ text: String) {
            let value = text.trimmed
            guard value.hasPrefix("bytes "), let slash = value.lastIndex(of: "/") else { return nil }
            let span = value[value.index(value.startIndex, offsetBy: 6)..<slash].trimmed
            guard let total = UInt64(value[value.index(after: slash)...].trimmed) else { return nil }
            self.total = total
            if span == "*" { range = nil; return }
            let bounds = span.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 2, let low = UInt64(bounds[0]), let high = UInt64(bounds[1]),
                  low <= high, high < total else { return nil }
            range = low...high
        }
    }

    /// Asks for the first `length` bytes of `url`; an empty object answers 416 with `bytes */0`.
    static func first(url: HTTPURL, client: HTTPClient, length: Int, counters: TransferCounter) throws -> First {
        let wanted = UInt64(length)
        let response = try send(url: url, client: client, start: 0, end: wanted, counters: counters) { head in
            guard head.status == 206 else { return }
            guard let value = head.header("Content-Range"), let contentRange = ContentRange(value), contentRange.total > 0,
                  contentRange.range == 0...(min(wanted, contentRange.total) - 1) else {
                throw rangeError(url, 0, "wrong Content-Range \(quoted(head.header("Content-Range"))) for a request of bytes 0-\(wanted - 1)")
            }
        }
        let identity = ObjectIdentity(etag: response.head.header("ETag"), lastModified: response.head.header("Last-Modified"))
        if response.status == 416, let value = response.head.header("Content-Range"),
           let contentRange = ContentRange(value), contentRange.range == nil, contentRange.total == 0 {
            return First(size: 0, identity: identity, body: [])
        }
        try checkStatus(response, url: url, start: 0)
        // A 206 passed the head check above, so its Content-Range is there and right.
        guard let value = response.head.header("Content-Range"), let total = ContentRange(value)?.total else {
            throw rangeError(url, 0, "no Content-Range in the answer")
        }
        try checkLength(response.body, url: url, start: 0, expected: min(wanted, total))
        return First(size: total, identity: identity, body: response.body)
    }

    /// Fetches bytes `[start, end)` of the object of `size` bytes whose first answer had `identity`.
    static func range(url: HTTPURL, client: HTTPClient, start: UInt64, end: UInt64, size: UInt64,
                      identity: ObjectIdentity, counters: TransferCounter) throws -> [UInt8] {
        let response = try send(url: url, client: client, start: start, end: end, counters: counters) { head in
            guard head.status == 206 else { return }
            let expected = ContentRange(range: start...(end - 1), total: size)
            guard let value = head.header("Content-Range"), ContentRange(value) == expected else {
                throw rangeError(url, start, "wrong Content-Range \(quoted(head.header("Content-Range"))) for a request of bytes \(start)-\(end - 1) of \(size)")
            }
            for (name, before) in [("ETag", identity.etag), ("Last-Modified", identity.lastModified)] {
                guard let before else { continue }
                let now = head.header(name)
                guard now == before else {
                    throw rangeError(url, start, "the object changed while koopack read it: \(name) was \(before), now \(now ?? "absent")")
                }
            }
        }
        try checkStatus(response, url: url, start: start)
        try checkLength(response.body, url: url, start: start, expected: end - start)
        return response.body
    }

    /// Sends `Range: bytes=start-(end-1)`, stopping a `200` at once: a server that ignores ranges
    /// would otherwise send the whole object.
    private static func send(url: HTTPURL, client: HTTPClient, start: UInt64, end: UInt64,
                             counters: TransferCounter,
                             check: @escaping @Sendable (HTTPResponseHead) throws -> Void) throws -> HTTPResponse {
        let request = HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Range", "bytes=\(start)-\(end - 1)"),
                                                                    HTTPHeader("Accept-Encoding", "identity")])
        let options = HTTPClient.Options(
            bodyLimit: max(Int(end - start), 64 << 10),
            checkHead: { head in
                if head.status == 200 {
                    throw rangeError(url, start, "the server ignores Range requests: it answered 200 with the whole object to a request for bytes \(start)-\(end - 1); koopack stopped reading (it never downloads a whole image)")
                }
                try check(head)
            },
            onExchange: { exchange in
                counters.add(exchange)
            })
        do {
            return try client.send(request, options: options)
        } catch let error as ImageError {
            throw error
        } catch var error as CloudAPIError {
            error.endpoint = nil
            error.method = nil
            throw rangeError(url, start, error.description)
        }
    }

    private static func checkStatus(_ response: HTTPResponse, url: HTTPURL, start: UInt64) throws {
        guard response.status != 206 else { return }
        var error = CloudAPIError.status(response, method: "GET", what: "expected 206 Partial Content")
        error.endpoint = nil
        error.method = nil
        throw rangeError(url, start, error.description)
    }

    private static func checkLength(_ body: [UInt8], url: HTTPURL, start: UInt64, expected: UInt64) throws {
        guard UInt64(body.count) == expected else {
            throw rangeError(url, start, "\(UInt64(body.count) < expected ? "short" : "long") body: \(body.count) bytes for a request of \(expected) bytes")
        }
    }

    static func rangeError(_ url: HTTPURL, _ offset: UInt64, _ message: String) -> ImageError {
        ImageError(.outOfRange, file: url.description, offset: offset, "at offset \(offset): \(message)")
    }

    private static func quoted(_ value: String?) -> String {
        value.map { HTTPURL.quoted($0) } ?? "(none)"
    }
}

extension RangeFetch.ContentRange {
    init(range: ClosedRange<UInt64>?, total: UInt64) {
        self.range = range
        self.total = total
    }
}
