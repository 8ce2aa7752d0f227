import CloudAPI
import DiskImage
import Foundation
import Testing

/// `HTTPRangeSource` against a hostile server on loopback: each misbehaviour is a clear error
/// naming the URL (never its query) and the offset, within the timeout, reading nothing past it.
@Suite(.enabled(if: CloudTestData.pythonAvailable, "python3 is needed for the test server"))
struct RangeSourceHostileTests {
    /// The object the server makes up: 64 MiB.
    static let size = 64 << 20
    static let shared: Result<LoopbackServer, Error> = Result { try LoopbackServer.range(size: size) }
    static let secret = "c2lnbmF0dXJlLW5ldmVyLXByaW50ZWQ"

    static func server() throws -> LoopbackServer { try shared.get() }

    static func client(timeout: Double = 5) -> HTTPClient {
        var configuration = HTTPConfiguration()
        configuration.requestTimeout = timeout
        configuration.connectTimeout = min(timeout, 5)
        configuration.backoffBase = 0.05
        return HTTPClient(configuration: configuration)
    }

    /// `/MODE/disk.img` on the server, with a presigned-looking query.
    static func url(_ mode: String) throws -> HTTPURL {
        try HTTPURL("http://127.0.0.1:\(try server().port)/\(mode)/disk.img?Expires=1&Signature=\(secret)")
    }

    static func open(_ mode: String, timeout: Double = 5) throws -> HTTPRangeSource {
        try HTTPRangeSource(url: try url(mode), client: client(timeout: timeout))
    }

    /// The server's log lines for `mode`, once `count` are in.
    static func logged(_ mode: String, count: Int = 1) throws -> [[String: Any]] {
        try server().requests(atLeast: count) { $0["mode"] as? String == mode }
    }

    /// The error of `body`, checked to be an `ImageError` that names the URL without its query.
    static func rangeError(_ mode: String, _ body: () throws -> Void) throws -> ImageError {
        do {
            try body()
        } catch let error as ImageError {
            #expect(error.file == (try url(mode)).description)
            #expect(!error.description.contains(secret))
            return error
        }
        Issue.record("no error from the \(mode) server")
        return ImageError(.invalid, "none")
    }

    @Test func aServerThatHonoursRangesGivesTheObjectsBytesInFewRequests() throws {
        let source = try Self.open("good")
        #expect(source.size == UInt64(Self.size))
        #expect(source.statistics.requests == 1)
        for (offset, count) in [(0, 4096), (262_143, 2), (10 << 20, 1 << 20), (Self.size - 100, 1000), (Self.size + 5, 10)] {
            let bytes = try source.read(at: UInt64(offset), count: count)
            #expect(bytes == rangeServerBytes(offset, max(0, min(count, Self.size - offset))), "at \(offset)")
        }
        // Block 0 came with the size; 262143-262144 spans blocks 0 and 1 (one request for block 1);
        // 1 MiB at 10 MiB is four adjacent blocks in one request; the tail one more: 4 in all.
        #expect(source.statistics.requests == 4)
        _ = try source.read(at: 10 << 20, count: 1 << 20)
        #expect(source.statistics.requests == 4, "cached blocks are not fetched again")
        try source.prefetch(at: 20 << 20, count: 2 << 20)
        #expect(source.statistics.requests == 5)
        _ = try source.read(at: (20 << 20) + 4096, count: 1 << 20)
        #expect(source.statistics.requests == 5, "a prefetched range costs no request")
    }

    @Test func aServerThatIgnoresRangesIsStoppedAtOnce() throws {
        let error = try Self.rangeError("ignore-range") { _ = try Self.open("ignore-range") }
        #expect(error.message.contains("at offset 0: the server ignores Range requests"))
        let sent = try Self.logged("ignore-range").compactMap { $0["sent"] as? Int }
        #expect(sent.count == 1 && sent[0] < 16 << 20, "the server got \(sent) bytes out of \(Self.size)")
    }

    @Test func aLyingContentRangeIsAnError() throws {
        let error = try Self.rangeError("lie-range") { _ = try Self.open("lie-range") }
        #expect(error.message.contains("wrong Content-Range \"bytes 1-262144/\(Self.size)\" for a request of bytes 0-262143"))
    }

    @Test func aShortBodyIsAnError() throws {
        let error = try Self.rangeError("short") { _ = try Self.open("short") }
        #expect(error.message.contains("short body: 131072 bytes for a request of 262144 bytes"))
    }

    @Test func aDripStopsAtTheTimeout() throws {
        let source = try Self.open("drip", timeout: 2)
        let error = try Self.rangeError("drip") { _ = try source.read(at: 30 << 20, count: 512) }
        #expect(error.message.contains("at offset \(30 << 20): "))
        #expect(error.message.contains("no complete answer within 2 s"))
        #expect(try Self.logged("drip", count: 2).count == 2, "a timed-out answer is not asked again")
    }

    @Test func redirectsStayOnTheSameHost() throws {
        let other = try Self.rangeError("redirect-host") { _ = try Self.open("redirect-host") }
        #expect(other.message.contains("another host (localhost:"))
        let file = try Self.rangeError("redirect-file") { _ = try Self.open("redirect-file") }
        #expect(file.message.contains("file: URL"))
        let loop = try Self.rangeError("redirect-loop") { _ = try Self.open("redirect-loop") }
        #expect(loop.message.contains("more than 5 redirects"))
        #expect(try Self.logged("redirect-loop", count: 6).count == 6)
        let same = try Self.open("redirect-same")
        #expect(try same.read(at: 5000, count: 100) == rangeServerBytes(5000, 100))
    }

    @Test func anObjectThatChangesUnderTheReaderIsAnError() throws {
        let etag = try Self.open("etag-change")
        let changed = try Self.rangeError("etag-change") { _ = try etag.read(at: 1 << 20, count: 10) }
        #expect(changed.message.contains("at offset \(1 << 20): the object changed while koopack read it: ETag was \"v1\", now \"v2\""))
        let modified = try Self.open("lastmod-change")
        let later = try Self.rangeError("lastmod-change") { _ = try modified.read(at: 2 << 20, count: 10) }
        #expect(later.message.contains("Last-Modified was"))
    }

    @Test func anEmptyObjectHasSizeZero() throws {
        let source = try Self.open("empty")
        #expect(source.size == 0)
        #expect(try source.read(at: 0, count: 10) == [])
    }

    @Test func aServerThatIsNotThereIsRetriedThenNamed() throws {
        let closed = try HTTPURL("http://127.0.0.1:1/disk.img")
        do {
            _ = try HTTPRangeSource(url: closed, client: Self.client())
            Issue.record("no error")
        } catch let error as ImageError {
            #expect(error.file == "http://127.0.0.1:1/disk.img")
            #expect(error.message.contains("after 4 tries"))
        }
    }
}
