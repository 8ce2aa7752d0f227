import Testing
import DiskImage
@testable import ReleasePolicy

@Suite struct PolicyProfileTests {
    func failure(_ yaml: String) -> String {
        failingError(yaml)?.description ?? ""
    }

    /// The error loading `yaml` gives; records an issue when there is none.
    func failingError(_ yaml: String) -> ImageError? {
        do {
            _ = try PolicyProfile.load(yaml: yaml, file: "profile.yaml")
            Issue.record("expected an error for \(yaml)")
            return nil
        } catch let error as ImageError {
            return error
        } catch {
            Issue.record("not an ImageError: \(error)")
            return nil
        }
    }

    @Test func theKooGalleryProfileHoldsTheDomainLimits() {
        let profile = PolicyProfile.kooGallery
        #expect(profile.maxPackageBytes == 137_438_953_472)
        #expect(profile.nearLimitBytes == 128_000_000_000)
        #expect(profile.minSystemDiskGB == 40)
        #expect(profile.maxSystemDiskGB == 1024)
        #expect(Set(profile.allowedRegions) == ["af-south-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-1",
                                                "na-mexico-1", "la-north-2", "la-south-2", "sa-brazil-1"])
        #expect(Set(profile.acceptedFormats) == ["vhd", "vmdk", "qcow2", "raw", "vhdx", "qed", "vdi", "qcow",
                                                 "zvhd", "zvhd2", "iso", "vpc"])
    }

    @Test func anEmptyProfileIsKooGallerys() throws {
        #expect(try PolicyProfile.load(yaml: "", file: "p.yaml") == .kooGallery)
        #expect(try PolicyProfile.load(yaml: "# nothing here\n", file: "p.yaml") == .kooGallery)
    }

    @Test func aProfileOverridesOnlyTheKeysItGives() throws {
        let yaml = """
            # stricter limits for our pipeline
            max-package-bytes: 128000000000
            near-limit-bytes: 100_000_000_000
            allowed-regions:
              - AP-Singapore
              - cn-north-4
            """
        let profile = try PolicyProfile.load(yaml: yaml, file: "p.yaml")
        #expect(profile.maxPackageBytes == 128_000_000_000)
        #expect(profile.nearLimitBytes == 100_000_000_000)
        #expect(profile.allowedRegions == ["ap-southeast-3", "cn-north-4"])
        #expect(profile.acceptedFormats == PolicyProfile.kooGallery.acceptedFormats)
        #expect(profile.minSystemDiskGB == 40)
    }

    @Test func everyKeyCanBeSet() throws {
        let yaml = """
            allowed-regions: [af-south-1]
            max-package-bytes: 1000
            near-limit-bytes: 900
            accepted-formats: [QCOW2, raw]
            min-system-disk-gb: 20
            max-system-disk-gb: 2048
            """
        let profile = try PolicyProfile.load(yaml: yaml, file: "p.yaml")
        #expect(profile == PolicyProfile(allowedRegions: ["af-south-1"], maxPackageBytes: 1000, nearLimitBytes: 900,
                                         acceptedFormats: ["qcow2", "raw"], minSystemDiskGB: 20, maxSystemDiskGB: 2048))
    }

    @Test func anUnknownKeyIsAnErrorNamingItAndItsLine() {
        let message = failure("max-package-bytes: 10\nmax-pakage-bytes: 20\n")
        #expect(message.hasPrefix("profile.yaml: line 2, column 1: unknown key \"max-pakage-bytes\""))
        #expect(message.contains("known keys: allowed-regions"))
    }

    @Test func aWrongTypeIsAnErrorNamingTheKeyAndLine() {
        #expect(failure("near-limit-bytes: 1\nmax-package-bytes: lots\n")
            == "profile.yaml: line 2, column 20: key \"max-package-bytes\": expected a non-negative integer, found the string \"lots\"")
        #expect(failure("max-package-bytes: -5").contains("expected a non-negative integer, found the number -5"))
        #expect(failure("max-package-bytes: \"100\"").contains("found the string \"100\""))
        #expect(failure("max-package-bytes: 1.5").contains("found the number 1.5"))
        #expect(failure("min-system-disk-gb: [40]").contains("key \"min-system-disk-gb\": expected a non-negative integer, found a list"))
        #expect(failure("allowed-regions: ap-southeast-3").contains("key \"allowed-regions\": expected a list of strings, found the string"))
        #expect(failure("allowed-regions:\n  - {a: 1}").contains("line 2, column 5: key \"allowed-regions\": expected a string, found a mapping"))
        #expect(failure("accepted-formats: true").contains("found the boolean true"))
    }

    @Test func aDocumentThatIsNotAMappingIsAnError() {
        #expect(failure("- max-package-bytes: 1").contains("expected a mapping of profile keys, found a list"))
        #expect(failure("42").contains("found the number 42"))
    }

    @Test func aDuplicateKeyIsAnError() {
        #expect(failure("max-package-bytes: 1\nmax-package-bytes: 2\n").contains("appears twice"))
    }

    @Test func inconsistentLimitsAreAnError() {
        #expect(failure("near-limit-bytes: 200000000000").contains("near-limit-bytes (200000000000) is larger than max-package-bytes"))
        #expect(failure("min-system-disk-gb: 2000").contains("min-system-disk-gb (2000) is larger than max-system-disk-gb (1024)"))
    }

    @Test func aYAMLSyntaxErrorNamesTheLine() {
        let error = failingError("allowed-regions: [ap-southeast-3\nmax-package-bytes: 1\n")
        #expect(error?.kind == .invalid && error?.file == "profile.yaml")
        #expect(error?.description.hasPrefix("profile.yaml: line ") == true)
        #expect(error?.message.contains("YAML syntax error") == true)
    }

    @Test func anOversizedProfileIsRefused() {
        #expect(failure(String(repeating: "#", count: PolicyProfile.maximumYAMLBytes + 1)).contains("more than the limit"))
    }
}
