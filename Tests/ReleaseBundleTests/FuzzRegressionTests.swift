import DiskImage
import Foundation
import ReleaseBundle
import Testing

/// release.yaml inputs the release-yaml fuzz target broke koopack with, under
/// testdata/fuzz-regressions/release-yaml/, fed through `Release.parse` as the target does.
@Suite struct ReleaseYAMLFuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/fuzz-regressions/release-yaml").path

    @Test func aBase60IntegerTooLargeForIntIsDescribedAsANumberNotATrap() throws {
        let text = try String(contentsOfFile: Self.folder + "/base-60-integer-overflow.yaml", encoding: .utf8)
        let error = try #require(throws: ReleaseFileError.self) {
            try Release.parse(yaml: text, file: "release.yaml", baseDirectory: NSTemporaryDirectory())
        }
        #expect(error.problems.contains { $0.message.contains("the number 8022") })
    }
}
