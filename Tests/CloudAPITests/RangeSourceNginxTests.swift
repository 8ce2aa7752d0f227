import CloudAPI
import DiskImage
import Foundation
import KoopackTestSupport
import Testing

/// Images read over HTTP from nginx (Debian's, started by the test on loopback) through
/// `HTTPRangeSource` and `HTTPFileResolver` are the images read from their files: the same
/// bytes, and the same `inspect` facts but the host's allocated size, backing chains and split
/// VMDK extents included. What koopack counts is what nginx's access log counts.
@Suite(.enabled(if: Nginx.installed, "nginx is not installed (make deps installs it): the HTTP range tests against nginx are skipped"))
struct RangeSourceNginxTests {
    /// Every image file in testdata/images (extents and backing files are read through the
    /// images that name them as well as on their own).
    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: CloudTestData.images)) ?? []
        return names.filter { !$0.hasSuffix(".json") && !$0.hasSuffix(".sh") && !$0.hasSuffix(".md") }.sorted()
    }()

    static func client() -> HTTPClient {
        var configuration = HTTPConfiguration()
        configuration.requestTimeout = 20
        return HTTPClient(configuration: configuration)
    }

    /// The inspect JSON without what depends on where the image is: its name, the host's
    /// allocated size (unknown over HTTP, as qemu-img says of remote files), the joined backing
    /// path, and the folder in warnings.
    static func comparable(_ info: ImageInfo, folder: String) -> String {
        func strip(_ value: JSONValue) -> JSONValue {
            switch value {
            case let .object(members):
                return .object(members.filter { !["filename", "actual-size", "full-backing-filename"].contains($0.0) }
                    .map { ($0.0, strip($0.1)) })
            case let .array(items): return .array(items.map(strip))
            case let .string(text): return .string(text.replacingOccurrences(of: folder, with: "FOLDER/"))
            default: return value
            }
        }
        return strip(info.json).serialized()
    }

    @Test func everyFixtureInspectsOverHTTPAsFromItsFile() throws {
        let nginx = try Nginx(root: CloudTestData.images)
        let client = Self.client()
        #expect(Self.fixtures.count >= 20)
        for name in Self.fixtures {
            let url = try HTTPURL(nginx.url(name))
            let resolver = HTTPFileResolver(image: url, client: client)
            let local = Result { try ImageInspector().inspect(path: CloudTestData.images + "/" + name, guest: true) }
            let remote = Result { try ImageInspector(resolver: resolver).inspect(path: resolver.imageName, guest: true) }
            switch (local, remote) {
            case let (.success(local), .success(remote)):
                #expect(remote.actualSize == nil, "\(name)")
                #expect(Self.comparable(remote, folder: nginx.url("")) == Self.comparable(local, folder: CloudTestData.images + "/"), "\(name)")
            case let (.failure(local as ImageError), .failure(remote as ImageError)):
                // An extent on its own is no image: both fail, and say the same.
                #expect(remote.message == local.message, "\(name)")
            default:
                Issue.record("\(name): from the file \(local), over HTTP \(remote)")
            }
        }
        #expect(nginx.accessLog().allSatisfy { $0.status == 206 })
    }

    @Test func randomReadsGiveTheFilesBytesAndTheServersCount() throws {
        let nginx = try Nginx(root: CloudTestData.images)
        var generator = SplitMix64(seed: 15)
        for name in ["qcow2-v3-extl2-zstd.qcow2", "vpc-dynamic-10m.vhd", "boot.iso"] {
            let file = try FileByteSource(path: CloudTestData.images + "/" + name)
            let remote = try HTTPRangeSource(url: try HTTPURL(nginx.url(name)), client: Self.client(), blockSize: 64 << 10, cacheBytes: 256 << 10)
            #expect(remote.size == file.size)
            for _ in 0..<200 {
                let offset = generator.next() % (file.size + 1000)
                let count = Int(generator.next() % 300_000)
                #expect(try remote.read(at: offset, count: count) == file.read(at: offset, count: count), "\(name) at \(offset)")
            }
        }
        // One source per file, each counted by koopack; nginx logged every one of those requests.
        let log = nginx.accessLog()
        #expect(log.count > 3)
        #expect(log.allSatisfy { $0.status == 206 && $0.range.hasPrefix("bytes=") })
    }

    @Test func koopacksCountersAgreeWithNginxsAccessLog() throws {
        let nginx = try Nginx(root: CloudTestData.images)
        let source = try HTTPRangeSource(url: try HTTPURL(nginx.url("qcow2-v3-extl2-zstd.qcow2")), client: Self.client())
        let (_, disk) = try ImageInspector().openGuest(source, filename: "qcow2-v3-extl2-zstd.qcow2")
        _ = try GuestView.read(from: disk)
        let log = nginx.accessLog()
        let body = log.reduce(0) { $0 + $1.bytesSent }
        #expect(source.statistics.requests == log.count)
        // $bytes_sent counts headers too: the body bytes are less, by a few hundred per request.
        #expect(Int(source.statistics.bytes) <= body && body - Int(source.statistics.bytes) < 400 * log.count)
        print("qcow2-v3-extl2-zstd.qcow2 guest view over HTTP: \(log.count) requests, \(body) bytes sent by nginx")
    }

    @Test func aPresignedImagesNeighboursAreNotOpenedAndItsQueryNeverShown() throws {
        let nginx = try Nginx(root: CloudTestData.images)
        let secret = "c2VjcmV0LXNpZ25hdHVyZQ"
        let backed = try HTTPURL(nginx.url("qcow-backed.qcow") + "?AccessKeyId=AK&Signature=" + secret)
        let resolver = HTTPFileResolver(image: backed, client: Self.client())
        let info = try ImageInspector(resolver: resolver).inspect(path: resolver.imageName, guest: true)
        #expect(info.backingFilename == "qcow-1m.qcow")
        #expect(info.backingChain.isEmpty)
        #expect(info.warnings.contains { $0.contains("qcow-1m.qcow") && $0.contains("was not opened") && $0.contains("presigned") }, "\(info.warnings)")
        #expect(!info.json.serialized().contains(secret))
        let split = try HTTPURL(nginx.url("split.vmdk") + "?AccessKeyId=AK&Signature=" + secret)
        let splitResolver = HTTPFileResolver(image: split, client: Self.client())
        do {
            _ = try ImageInspector(resolver: splitResolver).inspect(path: splitResolver.imageName, guest: true)
            Issue.record("a presigned VMDK's extent was opened")
        } catch let error as ImageError {
            #expect(error.description.contains("\"split-s001.vmdk\" was not opened"))
            #expect(!error.description.contains(secret))
        }
        #expect(!nginx.accessLog().contains { $0.range.isEmpty }, "only range requests were made")
    }
}
