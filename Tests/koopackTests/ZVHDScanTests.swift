import Foundation
import Testing

/// An ext4 guest with a preset root password, exported as ZVHD and as ZVHD2 by koopack's
/// writer (testdata/zvhd/zvhd-writer.py, pinned to the driver): `scan`, `check` and `inspect`
/// find in each exactly what they find in a qcow2 of the same disk.
@Suite(.enabled(if: GuestRootImage.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                "needs qemu-img, mkfs.ext4 and python3"))
struct ZVHDScanTests {
    static let writer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("testdata/zvhd/zvhd-writer.py").path

    /// The qcow2 of the guest, and its ZVHD and ZVHD2 exports.
    static func exports(in scratch: Scratch) throws -> (qcow2: String, zvhd: String, zvhd2: String) {
        let qcow2 = try GuestRootImage.make(GuestRootImage.ubuntuWithPresetPassword, in: scratch)
        let raw = scratch.file("guest.raw")
        try QemuImg.run(["convert", "-O", "raw", qcow2, raw])
        let zvhd = scratch.file("guest.zvhd"), zvhd2 = scratch.file("guest.zvhd2")
        for (out, format) in [(zvhd, "zvhd"), (zvhd2, "zvhd2")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [writer, "write", raw, out, "--format", format]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "the writer failed for \(format)")
        }
        return (qcow2, zvhd, zvhd2)
    }

    /// `scan --format json` of `image` with the file name taken out, for comparison.
    static func scan(_ image: String) throws -> (status: Int32, report: String) {
        let run = try KoopackBinary.run(["scan", "--format", "json", image])
        return (run.status, run.stdout.replacingOccurrences(of: image, with: "IMAGE"))
    }

    @Test func theScanFindsThePresetPasswordThroughZVHDAndZVHD2AsThroughQcow2() throws {
        let scratch = try Scratch()
        let (qcow2, zvhd, zvhd2) = try Self.exports(in: scratch)
        let reference = try Self.scan(qcow2)
        #expect(reference.status == 1 && reference.report.contains("KG401"), "\(reference.report)")
        for image in [zvhd, zvhd2] {
            let text = try KoopackBinary.run(["scan", image], environment: ["NO_COLOR": "1"])
            #expect(text.status == 1, "\(text.stderr)")
            #expect(text.stdout.contains("KG401") && text.stdout.contains("root"), "\(text.stdout)")
            #expect(!text.stdout.contains("saltsalt"))
            let json = try Self.scan(image)
            #expect(json.status == reference.status)
            #expect(json.report == reference.report, "\(image):\n\(json.report)\nqcow2:\n\(reference.report)")
        }
    }

    @Test func inspectShowsTheGuestOfBothExportsAsOfTheQcow2() throws {
        let scratch = try Scratch()
        let (qcow2, zvhd, zvhd2) = try Self.exports(in: scratch)
        let run = try KoopackBinary.run(["inspect", "--format", "json", qcow2, zvhd, zvhd2])
        #expect(run.status == 0, "\(run.stderr)")
        let reports = try parseReports(run.stdout)
        #expect(reports.map { $0["format"] as? String } == ["qcow2", "zvhd", "zvhd2"])
        let guests = try reports.map { try JSONSerialization.data(withJSONObject: try #require($0["guest"]), options: .sortedKeys) }
        #expect(guests[1] == guests[0] && guests[2] == guests[0])
        let data = try #require((reports[2]["format-specific"] as? [String: Any])?["data"] as? [String: Any])
        #expect(data["original-size"] as? Int == 64 << 20)
        #expect(reports[2]["virtual-size"] as? Int == 1 << 30, "rounded up to a whole GiB, as the driver exposes it")
    }
}
