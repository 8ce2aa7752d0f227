import Foundation
import Testing

/// Images given to the commands by URL, served by nginx (Debian's, started by the test on
/// loopback): `inspect`, `scan`, `check` and `convert` say of a URL what they say of the file,
/// reading it by range requests only, and what it cost is printed; a server that ignores
/// `Range` is refused without its body being downloaded; a presigned query is never printed.
@Suite(.enabled(if: Nginx.installed && GuestRootImage.available, "nginx, qemu-img and mkfs.ext4 are needed (make deps installs them): the URL input tests are skipped"))
struct RemoteInputTests {
    static let images = SourceTree.testdata("images")

    /// koopack's JSON without what depends on where the image is: its name, the host's
    /// allocated size (unknown over HTTP, as qemu-img says of remote files) and joined paths.
    static func comparable(_ text: String, folder: String) throws -> String {
        func strip(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                return object.filter { !["filename", "actual-size", "full-backing-filename", "image", "file"].contains($0.key) }
                    .mapValues(strip)
            }
            if let array = value as? [Any] { return array.map(strip) }
            if let string = value as? String { return string.replacingOccurrences(of: folder, with: "FOLDER/") }
            return value
        }
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let data = try JSONSerialization.data(withJSONObject: strip(value), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func everyFixtureInspectsByURLAsFromItsFileAndQemuImgAgreesOnItsSize() throws {
        let nginx = try Nginx(root: Self.images)
        // A backing file beside its image, a split VMDK, compressed qcow2, and the other formats.
        let names = ["qcow-backed.qcow", "qcow2-overlay.qcow2", "split.vmdk", "vmdk-2gbflat.vmdk", "stream.vmdk",
                     "qcow2-v3-extl2-zstd.qcow2", "qcow2-v2-compressed.qcow2", "vdi-dynamic.vdi", "vhdx-dynamic.vhdx",
                     "qed-raw-backed.qed", "parallels-4k.hdd", "boot.iso", "luks1.luks", "disk.zvhd", "raw-64k.img"]
        for name in names {
            let local = try KoopackBinary.run(["inspect", "--format", "json", Self.images + "/" + name])
            let remote = try KoopackBinary.run(["inspect", "--format", "json", "--verbose", nginx.url(name)])
            #expect(local.status == 0 && remote.status == 0, "\(name): \(remote.stderr)")
            #expect(try Self.comparable(remote.stdout, folder: nginx.url("")) == Self.comparable(local.stdout, folder: Self.images + "/"), "\(name)")
            #expect(!remote.stdout.contains("actual-size"), "\(name): the size on a remote host is unknown")
            #expect(remote.stderr.contains("\(nginx.url(name)): ") && remote.stderr.contains("bytes in"), "\(name): \(remote.stderr)")
            if name != "disk.zvhd", let report = try parseReports(remote.stdout).first {
                let qemu = try QemuImg.info(Self.images + "/" + name)
                #expect((report["virtual-size"] as? Int) == (qemu["virtual-size"] as? Int), "\(name)")
            }
        }
        #expect(nginx.accessLog().allSatisfy { $0.status == 206 }, "only range requests were answered")
    }

    @Test func scanCheckAndConvertOfAURLGiveWhatTheFileGives() throws {
        let scratch = try Scratch()
        let image = try GuestRootImage.make(GuestRootImage.ubuntuWithPresetPassword, in: scratch)
        let nginx = try Nginx(root: scratch.path)
        let url = nginx.url("web.qcow2")
        for command in [["scan", "--format", "json"], ["check", "--format", "json"]] {
            let local = try KoopackBinary.run(command + [image])
            let remote = try KoopackBinary.run(command + [url])
            #expect(remote.status == local.status && local.status == 1, "\(command): \(remote.stderr)")
            #expect(try Self.comparable(remote.stdout, folder: nginx.url("")) == Self.comparable(local.stdout, folder: scratch.path + "/"), "\(command)")
            #expect(remote.stderr.contains("over HTTP: ") && remote.stderr.contains("requests for 1 image"), "\(remote.stderr)")
        }
        let sbom = try KoopackBinary.run(["sbom", url])
        #expect(sbom.status == 0, "\(sbom.stderr)")
        #expect(sbom.stdout.contains("pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.15"))
        // qemu-img's own conversion of the local file is the truth for the remote one's bytes.
        let converted = scratch.file("remote.raw")
        let byQemu = scratch.file("qemu.raw")
        let convert = try KoopackBinary.run(["convert", url, converted])
        #expect(convert.status == 0, "\(convert.stderr)")
        _ = try QemuImg.run(["convert", "-O", "raw", image, byQemu])
        #expect(try Tool.sha256sum(converted) == Tool.sha256sum(byQemu))
        #expect(nginx.accessLog().allSatisfy { $0.status == 206 && $0.range.hasPrefix("bytes=") })
    }

    @Test func aServerIgnoringRangeIsRefusedWithoutItsBody() throws {
        let scratch = try Scratch()
        _ = try scratch.sparse("big.raw", size: 256 << 20)
        // Python's http.server answers every GET with 200 and the whole file.
        let port = try Nginx.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "--directory", scratch.path, String(port)]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { stop(server) }
        #expect(Nginx.waitForListener(port: port, process: server))
        let url = "http://127.0.0.1:\(port)/big.raw"
        let run = try KoopackBinary.run(["inspect", url, "--verbose"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(url): ") && run.stderr.contains("ignores Range"), "\(run.stderr)")
        // koopack's count of what arrived: far less than the 256 MiB body.
        let line = try #require(run.stderr.split(separator: "\n").first { $0.contains("over HTTP: ") })
        let bytes = try #require(line.split(separator: " ").firstIndex(of: "HTTP:").map { Int(line.split(separator: " ")[$0 + 1]) } ?? nil)
        #expect(bytes < 1 << 20, "\(line)")
    }

    @Test func aPresignedQueryIsNeverPrinted() throws {
        let nginx = try Nginx(root: Self.images)
        let secret = "c2VjcmV0LXNpZ25hdHVyZQ"
        let good = try KoopackBinary.run(["inspect", "--format", "json", "--verbose", nginx.url("qcow-backed.qcow") + "?Signature=" + secret])
        #expect(good.status == 0)
        #expect(good.stderr.contains("was not opened") || good.stdout.contains("was not opened"), "the presigned image's backing file is not guessed")
        let missing = try KoopackBinary.run(["scan", nginx.url("absent.qcow2") + "?Signature=" + secret])
        #expect(missing.status == 2 && missing.stderr.contains(nginx.url("absent.qcow2")), "\(missing.stderr)")
        for run in [good, missing] { #expect(!(run.stdout + run.stderr).contains(secret)) }
    }
}
