import Foundation
import KoopackTestSupport
import Testing

/// KG116 and KG121 judge a ZVHD or ZVHD2 export by its footer's original size (the disk the
/// seller made), not the whole GiB the driver rounds it up to, and say so in their evidence.
/// The sizes come from the driver-written cases' `expected.json`, not from koopack.
struct ZVHDSizeRuleTests {
    static let zvhd = SourceTree.testdata("zvhd")

    @Test(arguments: ["zvhd-mbr-ext4.zvhd", "zvhd2-zlib-mbr-ext4.zvhd2"])
    func theDiskSizeRulesJudgeTheFootersOriginalSize(image: String) throws {
        let expected = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: Self.zvhd + "/" + image.replacingOccurrences(of: ".zvhd2", with: "").replacingOccurrences(of: ".zvhd", with: "") + ".expected.json"))) as? [String: Any])
        let original = try #require(expected["orig_size"] as? Int)
        let virtual = try #require(expected["virtual_size"] as? Int)
        #expect(original < virtual, "the case's original size is rounded up")
        let scratch = try Scratch()
        let copy = scratch.file(image)
        try FileManager.default.copyItem(atPath: Self.zvhd + "/" + image, toPath: copy)
        // min_disk 0: below any disk (KG116) and outside 40–1,024 GB (KG121).
        _ = try scratch.write(image + ".json", Array(#"{"id": "0f0e0d0c-0b0a-4908-8706-050403020100", "min_disk": 0, "__imagetype": "private"}"#.utf8))
        let run = try KoopackBinary.run(["check", "--format", "json", "--no-scan", copy])
        let report = try #require(try parseReports(run.stdout).first)
        let findings = try #require(report["findings"] as? [[String: Any]])
        let kg116 = try #require(findings.first { $0["rule"] as? String == "KG116" })
        let evidence = try #require(kg116["evidence"] as? [String: Any], "\(kg116)")
        #expect(evidence["original-size"] as? String == String(original), "\(evidence)")
        #expect(evidence["virtual-size"] == nil)
    }
}
