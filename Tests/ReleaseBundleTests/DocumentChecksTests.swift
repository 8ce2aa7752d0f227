import Foundation
import Testing
import Findings
import ReleasePolicy
@testable import ReleaseBundle

@Suite struct DocumentChecksTests {
    static let eulaFile = ReleaseFile(path: "/r/eula.txt", written: "eula.txt", key: "documents.eula")
    static let guideFile = ReleaseFile(path: "/r/guide.md", written: "guide.md", key: "documents.user-guide")

    func eula(_ text: String) -> [Finding] { DocumentChecks.eula((Self.eulaFile, .text(text))) }

    @Test func theExampleReleasePassesEveryDocumentCheck() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let findings = checkDocuments(try Release.load(path: example.yamlPath))
        #expect(findings.isEmpty, "\(findings)")
    }

    @Test func theExampleWithItsPDFAndDOCXDocumentsAlsoPasses() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml()
            .replacing1("eula: documents/eula.txt", "eula: documents/eula.docx")
            .replacing1("user-guide: documents/user-guide.md", "user-guide: documents/user-guide.pdf")
        let findings = checkDocuments(try example.load(yaml))
        #expect(findings.isEmpty, "\(findings)")
    }

    // KG201

    @Test func aBracketedPlaceholderFiresWithItsLineAndText() throws {
        let findings = eula("LICENCE\n\nThis licence is granted by [Company Name] to you.\n")
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.ruleID.rawValue == "KG201")
        #expect(finding.severity == .error)
        #expect(finding.evidence("line") == "3")
        #expect(finding.evidence("placeholder") == "[Company Name]")
        #expect(finding.evidence("text") == "This licence is granted by [Company Name] to you.")
    }

    @Test(arguments: ["Signed by <Licensor>.", "Fee: {{price}} per month.", "Name: ________", "Address: XXX", "Term: TBD.", "Term: TBD"])
    func eachPlaceholderKindFires(line: String) {
        #expect(eula("Intro\n" + line).map(\.ruleID.rawValue) == ["KG201"])
        #expect(eula("Intro\n" + line).first?.evidence("line") == "2")
    }

    @Test(arguments: [
        "See clause 4 [1] for details.",                // a footnote
        "- [ ] a check box, and [x] a ticked one",       // check boxes
        "Read [the licence](https://example.com/l).",    // a Markdown link
        "Write to <support@example.com> or <https://example.com>.", // autolinks
        "Line one<br>line two <b>bold</b> <!-- note -->",             // HTML
        "TBDX and XX and xxx and ATBD are words, not placeholders.",
        "snake_case_names and __init__ are not blanks",
        "___",                                           // a Markdown rule on its own line
    ])
    func aNearMissDoesNotFire(line: String) {
        #expect(eula("Intro\n" + line).isEmpty)
    }

    @Test func manyPlaceholderLinesAreCappedWithACount() {
        let text = (1...30).map { "Clause \($0): [Fill in]" }.joined(separator: "\n")
        let findings = eula(text)
        #expect(findings.count == DocumentChecks.maximumPlaceholderFindings + 1)
        #expect(findings.last?.evidence("more lines") == "10")
    }

    @Test func aEULAThatIsNotADocumentFires() {
        let findings = DocumentChecks.eula((Self.eulaFile, .notADocument(reason: "the file is not text, PDF or DOCX")))
        #expect(findings.map(\.ruleID.rawValue) == ["KG201"])
        #expect(findings.first?.severity == .error)
    }

    @Test func aEULAWithoutReadableTextAsksForAHumanAsAWarning() {
        let findings = DocumentChecks.eula((Self.eulaFile, .noText(reason: "scanned")))
        #expect(findings.map(\.ruleID.rawValue) == ["KG201"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.hasPrefix("could not read the text of the EULA eula.txt: check it by hand") == true)
    }

    @Test func aScannedPDFEULAIsReportedForReadingByHand() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("eula: documents/eula.txt", "eula: documents/scanned.pdf")
        let findings = checkDocuments(try example.load(yaml))
        #expect(findings.map(\.ruleID.rawValue) == ["KG201"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.evidence("file") == "documents/scanned.pdf")
    }

    @Test func aBinaryEULAIsNotText() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("eula: documents/eula.txt", "eula: images/web.qcow2")
        let findings = checkDocuments(try example.load(yaml))
        #expect(findings.map(\.ruleID.rawValue) == ["KG201"])
        #expect(findings.first?.severity == .error)
    }

    @Test func aPlaceholderInADOCXEULAFires() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        // Rebuild the DOCX from an unfilled EULA with the committed generator.
        let eula = example.folder.appendingPathComponent("documents/eula.txt")
        let text = try String(contentsOf: eula, encoding: .utf8).replacing1("Singapore 018956", "[Postcode]")
        try text.write(to: eula, atomically: true, encoding: .utf8)
        try Tool.run("python3", [example.folder.appendingPathComponent("make-documents.py").path])
        let yaml = try ExampleRelease.yaml().replacing1("eula: documents/eula.txt", "eula: documents/eula.docx")
        let findings = checkDocuments(try example.load(yaml))
        #expect(findings.map(\.ruleID.rawValue) == ["KG201"])
        #expect(findings.first?.evidence("placeholder") == "[Postcode]")
        #expect(findings.first?.evidence("line") == String(line(of: "[Postcode]", in: text)))
    }

    // KG202

    @Test(arguments: ["Monday to Friday 09:00-18:00 (GMT+08:00)", "24/7 (UTC+00:00)", "9-17 (GMT-05:30) ", "Daily (UTC+14:00)"])
    func aServiceTimeEndingWithATimeZonePasses(time: String) {
        #expect(DocumentChecks.serviceTime(time).isEmpty)
    }

    @Test(arguments: ["Monday to Friday 09:00-18:00 GMT+8", "09:00-18:00 (GMT+8)", "09:00-18:00 (GMT+08:00) weekdays",
                      "09:00-18:00 (CST)", "09:00-18:00 (GMT+15:00)", "09:00-18:00 (GMT+08:60)", "(GMT08:00)"])
    func aServiceTimeWithoutATimeZoneFires(time: String) {
        let findings = DocumentChecks.serviceTime(time)
        #expect(findings.map(\.ruleID.rawValue) == ["KG202"])
        #expect(findings.first?.evidence("documents.support.service-time") == time.trimmingCharacters(in: .whitespaces))
    }

    @Test func noServiceTimeFires() {
        #expect(DocumentChecks.serviceTime(nil).map(\.ruleID.rawValue) == ["KG202"])
        #expect(DocumentChecks.serviceTime("  ").map(\.ruleID.rawValue) == ["KG202"])
    }

    // KG203

    @Test func aHotlineAndAValidEmailPass() {
        #expect(DocumentChecks.supportContact(SupportContact(serviceTime: nil, hotline: "+65 6123 4567", email: "support@example.com")).isEmpty)
    }

    @Test(arguments: ["a@b", "support", "@example.com", "support@", "a..b@example.com", ".a@example.com", "a@-example.com",
                      "a@example..com", "a@example.c", "a b@example.com", "a@b@example.com", "a@example.123"])
    func anInvalidEmailFires(email: String) {
        let findings = DocumentChecks.supportContact(SupportContact(serviceTime: nil, hotline: "4000 955 988", email: email))
        #expect(findings.map(\.ruleID.rawValue) == ["KG203"])
        #expect(findings.first?.evidence("documents.support.email") == email)
    }

    @Test(arguments: ["support@example.com", "first.last+tag@mail.example.co.uk", "o'brien@example-shop.cn", "x@a1.io"])
    func aValidEmailPasses(email: String) {
        #expect(DocumentChecks.isValidEmail(email))
    }

    @Test func noHotlineFires() {
        let findings = DocumentChecks.supportContact(SupportContact(serviceTime: nil, hotline: nil, email: "support@example.com"))
        #expect(findings.map(\.ruleID.rawValue) == ["KG203"])
        #expect(findings.first?.evidence("documents.support.hotline") == "not given")
        let wordsOnly = DocumentChecks.supportContact(SupportContact(serviceTime: nil, hotline: "call us", email: "support@example.com"))
        #expect(wordsOnly.map(\.ruleID.rawValue) == ["KG203"])
    }

    @Test func noHotlineAndNoEmailIsOneFindingWithBoth() {
        let findings = DocumentChecks.supportContact(SupportContact(serviceTime: nil, hotline: "", email: nil))
        #expect(findings.count == 1)
        #expect(findings.first?.evidence.count == 2)
    }

    // KG204

    func guide(_ text: String) -> [Finding] { DocumentChecks.userGuide((Self.guideFile, .text(text))) }

    @Test(arguments: ["Open port 8080 and log in as admin.", "Allow TCP 443, then ssh to the server.",
                      "Allow TCP/443 in the security group. Login: admin", "Open the ports, then sign in with your password.",
                      "Browse to http://203.0.113.5:8080/ and enter the username."])
    func aGuideNamingAPortAndALoginPasses(text: String) {
        #expect(guide(text).isEmpty)
    }

    @Test func aGuideWithoutAPortFires() {
        let findings = guide("Log in with SSH as root. The report is exported to a file.")
        #expect(findings.map(\.ruleID.rawValue) == ["KG204"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.evidence("port") == "none named")
        #expect(findings.first?.evidence("login") == nil)
    }

    @Test func aGuideWithoutALoginFires() {
        let findings = guide("Open port 8080 in the security group. Passports and portals are not ports.")
        #expect(findings.map(\.ruleID.rawValue) == ["KG204"])
        #expect(findings.first?.evidence("login") == "none named")
        #expect(findings.first?.evidence("port") == nil)
    }

    @Test func wordsThatContainPortOrLoginDoNotCount() {
        let findings = guide("Import the passport data; the portal supports 3 catalogues. Blogging in teams.")
        #expect(findings.first?.evidence("port") == "none named")
        #expect(findings.first?.evidence("login") == "none named")
    }

    @Test func noUserGuideFires() {
        #expect(DocumentChecks.userGuide(nil).map(\.ruleID.rawValue) == ["KG204"])
    }

    // KG205, KG206

    @Test func noCertificateFiresAsAnErrorAndNoNoticeAsAWarning() {
        #expect(DocumentChecks.certificate(nil).map(\.severity) == [.error])
        #expect(DocumentChecks.certificate(nil).map(\.ruleID.rawValue) == ["KG205"])
        #expect(DocumentChecks.ossNotice(nil).map(\.severity) == [.warning])
        #expect(DocumentChecks.ossNotice(nil).map(\.ruleID.rawValue) == ["KG206"])
    }

    @Test func anEmptyCertificateFiresAndAGivenOneDoesNot() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        try example.write("documents/empty.pdf", "")
        let yaml = try ExampleRelease.yaml()
            .replacing1("certificate: documents/certificate.pdf", "certificate: documents/empty.pdf")
            .replacing1("  oss-notice: documents/oss-notice.txt\n", "")
        let findings = checkDocuments(try example.load(yaml))
        #expect(findings.map(\.ruleID.rawValue) == ["KG205", "KG206"])
        #expect(findings.first?.evidence("size") == "0")
    }

    // KG207

    @Test func aFreeImagePricedPerVCPUFires() {
        #expect(DocumentChecks.pricing(Pricing(mode: .free, template: .vcpu)).map(\.ruleID.rawValue) == ["KG207"])
    }

    @Test(arguments: [Pricing(mode: .paid, template: .vcpu), Pricing(mode: .free, template: .simple), Pricing(mode: .paid, template: .simple)])
    func otherPricingDoesNotFire(pricing: Pricing) {
        #expect(DocumentChecks.pricing(pricing).isEmpty)
    }

    // KG208

    @Test func emptyHighlightsFire() {
        let product = ProductText(name: "P", overview: "O", description: "D", highlights: [], customerCases: [])
        let findings = DocumentChecks.productText(product)
        #expect(findings.map(\.ruleID.rawValue) == ["KG208"])
        #expect(findings.first?.evidence.map(\.0) == ["product.highlights"])
    }

    @Test func blankOverviewAndDescriptionFireTogether() {
        let product = ProductText(name: "P", overview: "  \n", description: "", highlights: ["  "], customerCases: [])
        let findings = DocumentChecks.productText(product)
        #expect(findings.count == 1)
        #expect(findings.first?.evidence.map(\.0) == ["product.overview", "product.description", "product.highlights"])
    }

    @Test func productTextWithOneHighlightPasses() {
        let product = ProductText(name: "P", overview: "O", description: "D", highlights: ["", "Fast"], customerCases: [])
        #expect(DocumentChecks.productText(product).isEmpty)
    }

    @Test func highlightsLeftOutOfTheFileFire() throws {
        let example = try ExampleRelease()
        defer { example.remove() }
        var yaml = try ExampleRelease.yaml()
        let start = try #require(yaml.range(of: "  highlights:\n"))
        let end = try #require(yaml.range(of: "  customer-cases:"))
        yaml.replaceSubrange(start.lowerBound..<end.lowerBound, with: "")
        #expect(checkDocuments(try example.load(yaml)).map(\.ruleID.rawValue) == ["KG208"])
    }

    // KG209, KG210

    @Test func noSEOIsANote() {
        #expect(DocumentChecks.seo(nil).map(\.severity) == [.note])
        #expect(DocumentChecks.seo(SEOInformation(title: " ", keywords: [], description: "")).map(\.ruleID.rawValue) == ["KG209"])
        #expect(DocumentChecks.seo(SEOInformation(title: "T", keywords: [], description: "")).isEmpty)
    }

    @Test func aHiddenProductIsANoteAndAPublicOneIsNot() throws {
        #expect(DocumentChecks.visibility(isPublic: false).map(\.ruleID.rawValue) == ["KG210"])
        #expect(DocumentChecks.visibility(isPublic: false).first?.severity == .note)
        #expect(DocumentChecks.visibility(isPublic: true).isEmpty)
        let example = try ExampleRelease()
        defer { example.remove() }
        let yaml = try ExampleRelease.yaml().replacing1("public: yes", "public: no").replacing1("mode: paid", "mode: free")
        var release = try example.load(yaml)
        release.seo = nil
        #expect(checkDocuments(release).map(\.ruleID.rawValue) == ["KG207", "KG209", "KG210"])
    }
}
