import DiskImage

/// How koopack talks HTTP: timeouts, retries, redirects, the body cap and the certificates it
/// trusts besides the system's. One value serves the IMS client and the range source alike.
public struct HTTPConfiguration: Sendable {
    /// Seconds to establish a connection (TCP and TLS). Default 10.
    public var connectTimeout: Double = 10
    /// Seconds for one whole exchange, from sending to the last byte of the answer. Default 60.
    public var requestTimeout: Double = 60
    /// Tries of one request at most, the first included. Retries happen on connection errors,
    /// 429 and 5xx, never on other 4xx.
    public var maximumAttempts = 4
    /// The first retry waits about this many seconds, each next one twice as long (with jitter).
    public var backoffBase: Double = 0.5
    /// No backoff wait is longer than this.
    public var backoffCap: Double = 8
    /// A `Retry-After` longer than this many seconds is not waited for: the request fails,
    /// saying how long the server asked to wait.
    public var maximumRetryAfter: Double = 60
    /// Redirects followed for one request at most, each to the same host only.
    public var maximumRedirects = 5
    /// The largest response body accepted, in bytes. Default 64 MiB.
    public var maximumBodyBytes = 64 << 20
    /// PEM certificates trusted besides the system's bundle (`SSL_CERT_FILE`, `--ca-certificates`).
    public var extraCertificates: [UInt8] = []
    /// Where `extraCertificates` came from, for messages.
    public var extraCertificateFiles: [String] = []

    public init() {}

    /// The environment variable that sets the timeouts: `SECONDS` (the whole exchange; the
    /// connection then gets at most that too) or `CONNECT,TOTAL`, in seconds, fractions allowed.
    public static let timeoutVariable = "KOOPACK_HTTP_TIMEOUT"

    /// The configuration the environment asks for: `KOOPACK_HTTP_TIMEOUT`, and the CA
    /// certificates of `SSL_CERT_FILE` and of `caFile` (the command line's `--ca-certificates`),
    /// both added to the system's. Throws a `CloudAPIError` naming the variable or file at fault.
    public static func fromEnvironment(_ environment: [String: String], caFile: String? = nil) throws -> HTTPConfiguration {
        var configuration = HTTPConfiguration()
        if let text = environment[timeoutVariable], !text.isEmpty {
            try configuration.setTimeouts(text)
        }
        for file in [environment["SSL_CERT_FILE"], caFile].compactMap({ $0 }) where !file.isEmpty {
            try configuration.addCertificates(file: file)
        }
        return configuration
    }

    /// Reads `KOOPACK_HTTP_TIMEOUT`'s value: `TOTAL` or `CONNECT,TOTAL` seconds.
    mutating func setTimeouts(_ text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmed }
        let values = parts.map { Double($0) }
        guard parts.count <= 2, values.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 86_400 }) else {
            throw CloudAPIError(.configuration, "\(Self.timeoutVariable)=\(text): expected seconds (e.g. 60) or connect,total seconds (e.g. 10,60), each above 0")
        }
        if values.count == 2 {
            connectTimeout = values[0]!
            requestTimeout = values[1]!
        } else {
            requestTimeout = values[0]!
            connectTimeout = min(connectTimeout, requestTimeout)
        }
    }

    /// Adds the PEM certificates of `file` to those trusted.
    public mutating func addCertificates(file: String) throws {
        let source: FileByteSource
        do { source = try FileByteSource(path: file) } catch {
            throw CloudAPIError(.configuration, "CA certificates \(error)")
        }
        guard source.size <= 16 << 20 else {
            throw CloudAPIError(.configuration, "CA certificates \(file): \(source.size) bytes, more than a certificate bundle holds")
        }
        let bytes = try source.read(at: 0, count: Int(source.size))
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else {
            throw CloudAPIError(.configuration, "CA certificates \(file): no PEM certificate (-----BEGIN CERTIFICATE-----) in it")
        }
        if !extraCertificates.isEmpty, extraCertificates.last != 0x0A { extraCertificates.append(0x0A) }
        extraCertificates += bytes
        extraCertificateFiles.append(file)
    }

    /// How long to wait before try number `attempt + 1`: the server's `Retry-After` when it gave
    /// one, else `backoffBase` doubled per try, capped, with jitter (a random half to whole of it),
    /// so many clients retrying at once spread out.
    func delay(afterAttempt attempt: Int, retryAfter: Double?) -> Double {
        if let retryAfter { return max(0, retryAfter) }
        let exponential = min(backoffCap, backoffBase * Double(1 << min(attempt - 1, 20)))
        return exponential * Double.random(in: 0.5...1.0)
    }
}

/// Reads a `Retry-After` value: delay seconds, or an HTTP date (IMF-fixdate) from which the
/// seconds to wait are counted from `now` (seconds since 1970).
func parseRetryAfter(_ text: String, now: Double) -> Double? {
    let value = text.trimmed
    if let seconds = Int(value), seconds >= 0 { return Double(seconds) }
    guard let date = HTTPDate.parse(value) else { return nil }
    return max(0, date - now)
}
