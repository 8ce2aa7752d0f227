import CloudAPI
import DiskImage
import Synchronization

/// An image named by an `https://` or `http://` URL (an OBS object through a presigned URL, or
/// any server that honours `Range`), read by range requests: only the bytes koopack's parsers
/// ask for travel. Backing files and VMDK extents named relative to it resolve as URLs on the
/// same host (`HTTPFileResolver`); a presigned URL's neighbours are never opened.
///
/// Every exchange of every file the image opens is counted in `transfer`, for the figures the
/// commands print. How the image is named (`name`) never holds the query: a presigned
/// signature is never printed.
public struct RemoteImage: Sendable {
    /// The URL as given, query included (it goes on the wire, never on the screen).
    public let url: HTTPURL
    /// The requests and bytes this image has cost so far, its related files included.
    public let transfer: TransferReport
    /// Opens the image and the files it names, counting what each costs.
    public let resolver: HTTPFileResolver

    /// The URL without its query: how messages and reports name the image.
    public var name: String { url.description }

    /// The inspector that reads this image and its related files over HTTP.
    public var inspector: ImageInspector { ImageInspector(resolver: SizeRecordingResolver(base: resolver, transfer: transfer)) }

    /// Whether a command-line argument is a URL rather than a path (`http://` or `https://`, in
    /// any case).
    public static func isURL(_ argument: String) -> Bool {
        let lower = argument.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// The image at `argument`, with the timeouts and certificates `configuration` says (by
    /// default those of `KOOPACK_HTTP_TIMEOUT` and `SSL_CERT_FILE`). Nothing is read until the
    /// image is inspected. Throws an `ImageError` naming the URL (without its query) when it is
    /// not one koopack reads, or when the environment's settings are malformed.
    public init(_ argument: String, configuration: HTTPConfiguration? = nil) throws {
        do {
            url = try HTTPURL(argument)
        } catch let error as CloudAPIError {
            throw ImageError(.invalid, file: Self.redacted(argument), error.message)
        }
        let settings: HTTPConfiguration
        do {
            settings = try configuration ?? HTTPConfiguration.fromEnvironment(ProcessEnvironment.current())
        } catch let error as CloudAPIError {
            throw ImageError(.invalid, file: url.description, error.message)
        }
        let transfer = TransferReport()
        self.transfer = transfer
        resolver = HTTPFileResolver(image: url, client: HTTPClient(configuration: settings) { transfer.add($0) })
    }

    /// `argument` without its query, for a message about a URL that did not even parse.
    static func redacted(_ argument: String) -> String {
        argument.firstIndex(of: "?").map { String(argument[..<$0]) } ?? argument
    }

    /// The bytes of the image's package: the image file and every file it opened that is not a
    /// backing file (a split VMDK's extents), as a local image's package counts them.
    func packageBytes(backingChain: [ImageInfo]) -> UInt64 {
        let backing = Set(backingChain.map(\.filename))
        return transfer.fileSizes.filter { !backing.contains($0.key) }.values.reduce(0, +)
    }

    /// The file name the IMS metadata may name the image by: the URL path's last segment.
    var fileName: String {
        PercentEncoding.decode(FilePaths.lastComponent(url.path))
    }
}

/// What reading remote images has cost: HTTP exchanges (retries and redirects included) and
/// response body bytes, and the size of each file opened. Shared by every file of one image,
/// from whatever thread reads it.
public final class TransferReport: Sendable {
    private let state = Mutex(State())

    private struct State {
        var statistics = TransferStatistics()
        var sizes: [String: UInt64] = [:]
    }

    public init() {}

    /// Requests and body bytes so far.
    public var statistics: TransferStatistics { state.withLock { $0.statistics } }

    /// The size of every file opened, by the name the inspector opened it by.
    var fileSizes: [String: UInt64] { state.withLock { $0.sizes } }

    func add(_ exchange: HTTPExchange) {
        state.withLock {
            $0.statistics.requests += 1
            $0.statistics.bytes += UInt64(exchange.bodyBytes)
        }
    }

    func opened(_ name: String, size: UInt64) {
        state.withLock { $0.sizes[name] = size }
    }

    /// The sum of several images' costs.
    public static func total(_ reports: [TransferReport]) -> TransferStatistics {
        reports.map(\.statistics).reduce(TransferStatistics()) {
            TransferStatistics(requests: $0.requests + $1.requests, bytes: $0.bytes + $1.bytes)
        }
    }
}

/// `HTTPFileResolver`, noting the size of each file it opens (the package's bytes).
struct SizeRecordingResolver: FileResolver {
    let base: HTTPFileResolver
    let transfer: TransferReport

    func open(_ path: String) throws -> any ByteSource {
        let source = try base.open(path)
        transfer.opened(path, size: source.size)
        return source
    }

    func allocatedSize(of path: String) -> UInt64? { base.allocatedSize(of: path) }

    func canonicalPath(_ path: String) -> String? { base.canonicalPath(path) }
}
