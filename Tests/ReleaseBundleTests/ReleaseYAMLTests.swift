import Foundation
import ReleasePolicy
import Testing
@testable import ReleaseBundle

@Suite struct ReleaseYAMLTests {
    @Test func theExampleReleaseParsesIntoItsValues() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let release = try Release.load(path: example.yamlPath)
        let folder = try #require(ReleasePaths.realPath(example.folder.path))
        #expect(release.directory == folder)
        #expect(release.product.name == "Acme WebStack 2.4")
        #expect(release.product.overview.hasPrefix("A ready-to-run web application stack (nginx, PostgreSQL and the Acme console)"))
        #expect(release.product.description.contains("\n\nPasswords and SSH keys"))
        #expect(release.product.highlights == [
            "Deploys in five minutes, with HTTPS from the first boot",
            "Daily backups to OBS, restored from the console",
            "Security updates for three years",
        ])
        #expect(release.product.customerCases.count == 2)
        #expect(release.pricing == Pricing(mode: .paid, template: .vcpu))
        #expect(release.isPublic)
        #expect(release.seo?.keywords == ["nginx", "postgresql", "web server", "https"])
        #expect(release.seo?.title == "Acme WebStack - nginx and PostgreSQL web stack on Huawei Cloud")
        let documents = release.documents
        #expect(documents.eula?.path == folder + "/documents/eula.txt")
        #expect(documents.eula?.written == "documents/eula.txt")
        #expect(documents.eula?.key == "documents.eula")
        #expect(documents.userGuide?.path == folder + "/documents/user-guide.md")
        #expect(documents.certificate?.path == folder + "/documents/certificate.pdf")
        #expect(documents.ossNotice?.path == folder + "/documents/oss-notice.txt")
        #expect(documents.support == SupportContact(serviceTime: "Monday to Friday 09:00-18:00 (GMT+08:00)",
                                                   hotline: "+65 6123 4567", email: "support@acme-example.com"))
        #expect(release.specifications.count == 2)
        let standard = try #require(release.specifications.first)
        #expect(standard.name == "Standard")
        #expect(standard.image.source == .file(ReleaseFile(path: folder + "/images/web.qcow2", written: "images/web.qcow2",
                                                           key: "specifications[0].image.file",
                                                           line: line(of: "file: images/web.qcow2", in: try ExampleRelease.yaml()))))
        #expect(standard.image.metadata?.path == folder + "/images/web.qcow2.json")
        #expect(standard.regions == ["ap-southeast-3", "ap-southeast-2"])
        let enterprise = release.specifications[1]
        #expect(enterprise.image.source == .imsID("3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44"))
        #expect(enterprise.image.metadata == nil)
        #expect(enterprise.regions == ["ap-southeast-1"])
        #expect(release.software.map(\.written) == ["software/install-agent.sh"])
        #expect(release.files.count == 7)
    }

    @Test(.enabled(if: ExampleRelease.qemuImgAvailable, "qemu-img is not installed"))
    func theExampleImageIsARealQCOW2() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let release = try Release.load(path: example.yamlPath)
        guard case let .file(image)? = release.specifications.first?.image.source else {
            Issue.record("the first specification has no image file")
            return
        }
        let head = try #require(FileHandle(forReadingAtPath: image.path)?.readData(ofLength: 4))
        #expect(Array(head) == [0x51, 0x46, 0x49, 0xFB]) // "QFI\xfb"
    }

    @Test func anUnknownKeyIsReportedWithItsKeyPathAndLine() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("file: images/web.qcow2", "fil: images/web.qcow2")
        let problems = try example.problems(yaml)
        let problem = try #require(problems.first { $0.key == "specifications[0].image.fil" })
        #expect(problem.line == line(of: "fil: images/web.qcow2", in: yaml))
        #expect(problem.message.contains("unknown key \"fil\""))
        // The image then has neither file nor id: that is reported too, on the image's line.
        #expect(problems.contains { $0.key == "specifications[0].image" && $0.message.contains("file") })
    }

    @Test func aWrongTypeIsReportedWithItsKeyPathAndLine() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml()
            .replacing1("    regions: [AP-Singapore, ap-southeast-2]", "    regions: {AP-Singapore: 1}")
            .replacing1("public: yes ", "public: maybe ")
        let problems = try example.problems(yaml)
        let regions = try #require(problems.first { $0.key == "specifications[0].regions" })
        #expect(regions.line == line(of: "regions: {AP-Singapore", in: yaml))
        #expect(regions.message == "expected a list of text, found a mapping")
        let visibility = try #require(problems.first { $0.key == "public" })
        #expect(visibility.line == line(of: "public: maybe", in: yaml))
        #expect(visibility.message == "expected yes or no, found the string \"maybe\"")
    }

    @Test func aBadEnumValueNamesTheAllowedValues() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("mode: paid", "mode: gratis")
        let problems = try example.problems(yaml)
        #expect(problems == [ReleaseProblem(key: "pricing.mode", line: line(of: "mode: gratis", in: yaml),
                                            message: "expected free or paid, found the string \"gratis\"")])
    }

    @Test func aMissingRequiredKeyIsReportedOnItsParentsLine() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml()
            .replacing1("  eula: documents/eula.txt\n", "")
            .replacing1("  template: vcpu ", "  # template removed ")
        let problems = try example.problems(yaml)
        let eula = try #require(problems.first { $0.key == "documents.eula" })
        #expect(eula.line == line(of: "documents:", in: yaml))
        #expect(eula.message.contains("required key is missing"))
        let template = try #require(problems.first { $0.key == "pricing.template" })
        #expect(template.line == line(of: "pricing:", in: yaml))
        #expect(problems.count == 2)
    }

    @Test func everyProblemIsCollectedAndReportedInLineOrder() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml()
            .replacing1("  name: Acme WebStack 2.4\n", "  nmae: Acme WebStack 2.4\n")
            .replacing1("template: vcpu", "template: per-core")
            .replacing1("email: support@acme-example.com", "email: [support@acme-example.com]")
            .replacing1("id: 3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44", "id: not-an-id")
        do {
            _ = try example.load(yaml)
            Issue.record("loaded")
        } catch let error as ReleaseFileError {
            // The missing name is reported on the line of `product:`, above the misspelt key.
            #expect(error.problems.map(\.key) == [
                "product.name", "product.nmae", "pricing.template", "documents.support.email", "specifications[1].image.id",
            ])
            #expect(error.problems.map(\.line) == error.problems.map(\.line).sorted())
            #expect(error.description.hasPrefix("\(example.yamlPath):\(line(of: "product:", in: yaml)): product.name: required key is missing"))
        }
    }

    @Test func aPathClimbingOutThroughDotDotIsRefused() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        try "outside".write(to: example.root.appendingPathComponent("outside.txt"), atomically: true, encoding: .utf8)
        let yaml = try ExampleRelease.yaml().replacing1("eula: documents/eula.txt", "eula: documents/../../outside.txt")
        let problems = try example.problems(yaml)
        #expect(problems == [ReleaseProblem(key: "documents.eula", line: line(of: "outside.txt", in: yaml),
                                            message: "the path documents/../../outside.txt leaves the release's folder through \"..\"")])
    }

    @Test func aDotDotThatStaysInsideIsAccepted() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("eula: documents/eula.txt", "eula: images/../documents/eula.txt")
        let release = try example.load(yaml)
        #expect(release.documents.eula?.path.hasSuffix("/release/documents/eula.txt") == true)
    }

    @Test func aPathLeavingThroughASymlinkIsRefused() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let outside = example.root.appendingPathComponent("outside.txt")
        try "outside".write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: example.folder.appendingPathComponent("documents/linked.txt").path,
                                                   withDestinationPath: outside.path)
        let yaml = try ExampleRelease.yaml().replacing1("oss-notice: documents/oss-notice.txt", "oss-notice: documents/linked.txt")
        let problems = try example.problems(yaml)
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.key == "documents.oss-notice")
        #expect(problem.line == line(of: "linked.txt", in: yaml))
        #expect(problem.message.contains("through a symbolic link"))
    }

    @Test func aSymlinkThatStaysInsideIsAccepted() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        try FileManager.default.createSymbolicLink(atPath: example.folder.appendingPathComponent("notice.txt").path,
                                                   withDestinationPath: "documents/oss-notice.txt")
        let yaml = try ExampleRelease.yaml().replacing1("oss-notice: documents/oss-notice.txt", "oss-notice: notice.txt")
        let release = try example.load(yaml)
        #expect(release.documents.ossNotice?.path.hasSuffix("/release/documents/oss-notice.txt") == true)
        #expect(release.documents.ossNotice?.written == "notice.txt")
    }

    @Test func anAbsolutePathOutsideTheFolderIsRefused() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("certificate: documents/certificate.pdf", "certificate: /etc/hostname")
        let problems = try example.problems(yaml)
        #expect(problems.map(\.key) == ["documents.certificate"])
        #expect(problems.first?.message.contains("outside the release's folder") == true)
    }

    @Test func aMissingDocumentFileIsReported() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("user-guide: documents/user-guide.md", "user-guide: documents/guide.md")
        let problems = try example.problems(yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.key == "documents.user-guide")
        #expect(problems.first?.line == line(of: "guide.md", in: yaml))
        #expect(problems.first?.message.hasPrefix("the file documents/guide.md does not exist") == true)
    }

    @Test func aFolderIsNotADocument() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("user-guide: documents/user-guide.md", "user-guide: documents")
        let problems = try example.problems(yaml)
        #expect(problems.map(\.message) == ["documents is not a regular file"])
    }

    @Test func anImageNeedsExactlyOneOfFileAndID() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1(
            "      id: 3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44",
            "      id: 3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44\n      file: images/web.qcow2")
        let problems = try example.problems(yaml)
        #expect(problems.map(\.key) == ["specifications[1].image"])
        #expect(problems.first?.message == "give the image as file or as id, not both")
    }

    @Test func anIMSImageIDMustBeAUUID() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("id: 3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a44", "id: 3f6c2a1e-8b4d-4c6e-9a2f-1d7e5b9c0a4")
        let problems = try example.problems(yaml)
        #expect(problems.map(\.key) == ["specifications[1].image.id"])
    }

    @Test func anEmptySpecificationListIsRefused() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        var yaml = try ExampleRelease.yaml()
        let start = try #require(yaml.range(of: "specifications:\n"))
        let end = try #require(yaml.range(of: "software:"))
        yaml.replaceSubrange(start.lowerBound..<end.lowerBound, with: "specifications: []\n\n")
        let problems = try example.problems(yaml)
        #expect(problems.map(\.key) == ["specifications"])
        #expect(problems.first?.message.contains("at least one specification") == true)
    }

    @Test func aYAMLSyntaxErrorIsReportedWithItsLine() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("  mode: paid", "  mode: [paid")
        let problems = try example.problems(yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.message.hasPrefix("YAML syntax error") == true)
        #expect((problems.first?.line ?? 0) >= line(of: "mode: [paid", in: yaml))
    }

    @Test func aDuplicatedKeyIsReported() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("public: yes", "public: no\npublic: yes")
        let problems = try example.problems(yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("appears twice") == true)
    }

    @Test func anAliasReadsAsTheValueItNames() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml()
            .replacing1("    regions: [AP-Singapore, ap-southeast-2]", "    regions: &asia [AP-Singapore, ap-southeast-2]")
            .replacing1("    regions:\n      - CN-Hong Kong", "    regions: *asia")
        let release = try example.load(yaml)
        #expect(release.specifications.map(\.regions) == [["ap-southeast-3", "ap-southeast-2"], ["ap-southeast-3", "ap-southeast-2"]])
    }

    @Test func aTreeOfNestedAliasesIsReadInBoundedTime() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        // Ten levels of ten aliases each: 10^10 leaves if written out.
        var anchors = "    - &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<10 {
            let previous = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            anchors += "    - &l\(level) [\(previous)]\n"
        }
        let yaml = try ExampleRelease.yaml()
            .replacing1("  customer-cases:\n", "  customer-cases:\n\(anchors)    - *l9\n")
        let started = ContinuousClock.now
        let problems = try example.problems(yaml)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(problems.allSatisfy { $0.key.hasPrefix("product.customer-cases[") })
        #expect(problems.count == 11) // each of the eleven lists is not text; nothing inside them is read
    }

    @Test func anEmptyFileIsReported() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let problems = try example.problems("# nothing here\n")
        #expect(problems.count == 1)
        #expect(problems.first?.message.hasPrefix("the file is empty") == true)
    }

    @Test func aFileThatIsNotAMappingIsReported() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let problems = try example.problems("- product\n- pricing\n")
        #expect(problems == [ReleaseProblem(key: "", line: 1, message: "expected a release description (a mapping with the keys product, pricing, public, seo, documents, specifications, software), found a list")])
    }

    @Test func aFileLargerThanTheLimitIsRefusedUnread() throws {
        let big = String(repeating: "# padding\n", count: Release.maximumYAMLBytes / 10 + 1)
        #expect(throws: ReleaseFileError.self) {
            try Release.parse(yaml: big, file: "big.yaml", baseDirectory: "/tmp")
        }
    }

    @Test func aListLongerThanTheLimitIsRefused() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let many = (0...Release.maximumListItems).map { "    - point \($0)" }.joined(separator: "\n")
        let yaml = try ExampleRelease.yaml().replacing1("  highlights:\n", "  highlights:\n\(many)\n")
        let problems = try example.problems(yaml)
        #expect(problems.map(\.key) == ["product.highlights"])
    }
}
