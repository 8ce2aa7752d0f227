import DiskImage
import Foundation
import ReleasePolicy
import Testing

/// Policy profiles that break a YAML reader, under testdata/fuzz-regressions/policy-yaml/, fed
/// through `PolicyProfile.load` as the policy-yaml fuzz target does.
@Suite struct PolicyYAMLFuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/fuzz-regressions/policy-yaml").path

    @Test func aBase60IntegerTooLargeForIntIsAWrongTypeErrorNotATrap() throws {
        let text = try String(contentsOfFile: Self.folder + "/base-60-integer-overflow.yaml", encoding: .utf8)
        let error = try #require(throws: ImageError.self) { try PolicyProfile.load(yaml: text, file: "profile.yaml") }
        #expect(error.message.contains("allowed-regions"))
        #expect(error.message.contains("the number 8022"))
    }

    @Test func theFuzzerFoundBase60MaxPackageBytesIsAnErrorNamingTheKey() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/base-60-max-package-bytes.yaml"))
        let text = String(decoding: bytes, as: UTF8.self)
        let error = try #require(throws: ImageError.self) { try PolicyProfile.load(yaml: text, file: "profile.yaml") }
        #expect(error.message.contains("max-package-bytes"))
    }
}
