import Foundation
import Testing
@testable import DiskImage

@Suite struct JSONParserTests {
    static let limit = 1 << 20

    func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text, maximumInputBytes: Self.limit)
    }

    /// Parses `text` expecting failure and returns the error's message.
    func failure(_ text: String) -> String {
        failure(Array(text.utf8))
    }

    func failure(_ bytes: [UInt8], limit: Int = JSONParserTests.limit) -> String {
        do {
            _ = try JSONParser.parse(bytes, maximumInputBytes: limit)
            Issue.record("expected a parse error for \(String(decoding: bytes.prefix(80), as: UTF8.self))")
            return ""
        } catch let error as ImageError {
            return error.message
        } catch {
            Issue.record("unexpected error type \(error)")
            return ""
        }
    }

    // MARK: valid documents

    @Test func anIMSImageObjectParsesWithItsMembersInOrder() throws {
        let text = """
            {
              "id": "6f8e2c1a-4b7d-4e9a-9c3f-2d1b0a9e8f7c",
              "name": "web-ubuntu2204",
              "min_disk": 40,
              "protected": false,
              "__whole_image": "false",
              "tags": [],
              "properties": {"nested": [1, -2, 3.5, null, true]}
            }
            """
        let value = try parse(text)
        guard case let .object(members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["id", "name", "min_disk", "protected", "__whole_image", "tags", "properties"])
        #expect(value["min_disk"] == .int(40))
        #expect(value["protected"] == .bool(false))
        #expect(value["tags"] == .array([]))
        #expect(value["properties"]?["nested"] == .array([.int(1), .int(-2), .double(3.5), .null, .bool(true)]))
    }

    @Test func scalarsAtTheTopLevelAreDocuments() throws {
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse(" null ") == .null)
        #expect(try parse("\"x\"") == .string("x"))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("\t\r\n[ ]\n") == .array([]))
        #expect(try parse("{}") == .object([]))
    }

    @Test func integersUseTheNarrowestCaseThatHoldsThem() throws {
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        let big = try parse("18446744073709551615")
        guard case .uint(UInt64.max) = big else { Issue.record("expected .uint, got \(big)"); return }
        let huge = try parse("18446744073709551616")
        guard case let .double(d) = huge else { Issue.record("expected .double, got \(huge)"); return }
        #expect(d == 18446744073709551616.0)
        let belowMin = try parse("-9223372036854775809")
        guard case .double = belowMin else { Issue.record("expected .double, got \(belowMin)"); return }
    }

    @Test func fractionsAndExponentsAreDoubles() throws {
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.25") == .double(-0.25))
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("1E+2") == .double(100))
        #expect(try parse("25e-1") == .double(2.5))
    }

    @Test func simpleEscapesDecode() throws {
        #expect(try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{08}e\u{0C}f\ng\rh\ti"))
    }

    @Test func unicodeEscapesDecodeIncludingSurrogatePairs() throws {
        #expect(try parse(#""\u0041\u00e9\u4E2D""#) == .string("Aé中"))
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse(#""\ud834\udd1e clef""#) == .string("𝄞 clef"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func rawUTF8InStringsIsKept() throws {
        #expect(try parse("\"华为云 – KooGallery 😀\"") == .string("华为云 – KooGallery 😀"))
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8), maximumInputBytes: 100)
            == .object([("a", .int(1))]))
    }

    @Test func nestingUpToTheCapIsAccepted() throws {
        let depth = JSONParser.maximumNestingDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        _ = try parse(text)
    }

    // MARK: malformed input

    @Test func errorsNameLineAndColumn() {
        let text = """
            {
              "id": "abc",
              "name" "web"
            }
            """
        #expect(failure(text) == "line 3, column 10: expected ':' after key \"name\", found '\"'")
        let missingComma = "{\n  \"a\": 1,\n  \"b\": 2 \"c\": 3\n}"
        #expect(failure(missingComma).hasPrefix("line 3, column 10: expected ',' or '}'"))
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(failure("[\"华为\" 1]").hasPrefix("line 1, column 7: expected ',' or ']'"))
    }

    @Test func truncatedDocumentsFailCleanly() {
        let full = #"{"images": [{"id": "a1", "min_disk": 40, "tags": ["x"], "ok": true}]}"#
        let bytes = Array(full.utf8)
        for cut in 0..<bytes.count {
            let message = failure(Array(bytes[0..<cut]))
            #expect(message.hasPrefix("line 1, column "), "cut at \(cut): \(message)")
        }
    }

    @Test func emptyAndWhitespaceOnlyInputsFail() {
        #expect(failure("").contains("expected a JSON value"))
        #expect(failure("  \n ").hasPrefix("line 2, column 2: expected a JSON value"))
    }

    @Test func trailingContentFails() {
        #expect(failure("{} {}").contains("after the JSON value"))
        #expect(failure("1 2").contains("after the JSON value"))
        #expect(failure("[1],").contains("after the JSON value"))
    }

    @Test func trailingCommasFail() {
        #expect(failure("[1,]").contains("expected a JSON value"))
        #expect(failure("{\"a\":1,}").contains("expected a string key"))
    }

    @Test func badLiteralsFail() {
        #expect(failure("tru").contains("expected 'true'"))
        #expect(failure("True").contains("expected a JSON value"))
        #expect(failure("nul").contains("expected 'null'"))
        #expect(failure("[falsy]").contains("expected 'false'"))
        #expect(failure("NaN").contains("expected a JSON value"))
        #expect(failure("Infinity").contains("expected a JSON value"))
        #expect(failure("'single'").contains("expected a JSON value"))
    }

    @Test func badNumbersFail() {
        #expect(failure("01").contains("leading zero"))
        #expect(failure("-").contains("expected a digit"))
        #expect(failure("+1").contains("expected a JSON value"))
        #expect(failure("1.").contains("after the decimal point"))
        #expect(failure(".5").contains("expected a JSON value"))
        #expect(failure("1e").contains("exponent"))
        #expect(failure("1e+").contains("exponent"))
        #expect(failure("1e999").contains("out of range"))
        #expect(failure("0x10").contains("after the JSON value"))
        #expect(failure(String(repeating: "1", count: JSONParser.maximumNumberLength + 1)).contains("number longer than"))
    }

    @Test func badStringsFail() {
        #expect(failure("\"abc").contains("unterminated string"))
        #expect(failure("\"a\nb\"").contains("control character"))
        #expect(failure("\"a\tb\"").contains("control character"))
        #expect(failure(#""\x41""#).contains("invalid escape"))
        #expect(failure(#""\u12""#).contains("four hex digits"))
        #expect(failure(#""\u12G4""#).contains("four hex digits"))
        #expect(failure(#""\uD83D""#).contains("not followed by a low surrogate"))
        #expect(failure(#""\uD83Dx""#).contains("not followed by a low surrogate"))
        #expect(failure(#""\uD83D\u0041""#).contains("not a low surrogate"))
        #expect(failure(#""\uDE00""#).contains("lone low surrogate"))
        #expect(failure("\"\\").contains("unterminated escape"))
    }

    @Test func invalidUTF8InAStringFails() {
        #expect(failure([0x22, 0xC3, 0x28, 0x22]).contains("not valid UTF-8"))
        #expect(failure([0x22, 0xFF, 0x22]).contains("not valid UTF-8"))
        #expect(failure([0x22, 0xED, 0xA0, 0x80, 0x22]).contains("not valid UTF-8"))  // encoded surrogate
    }

    @Test func stringsOverTheCapFail() {
        let long = "\"" + String(repeating: "a", count: JSONParser.maximumStringBytes + 1) + "\""
        #expect(failure(Array(long.utf8), limit: 2 << 20).contains("string longer than"))
        let atCap = "\"" + String(repeating: "a", count: JSONParser.maximumStringBytes) + "\""
        #expect(throws: Never.self) { try JSONParser.parse(atCap, maximumInputBytes: 2 << 20) }
    }

    @Test func keysMustBeStringsAndUnique() {
        #expect(failure("{1: 2}").contains("expected a string key"))
        #expect(failure("{a: 2}").contains("expected a string key"))
        #expect(failure("{\"id\": \"a\", \"id\": \"b\"}").contains("duplicate key \"id\""))
    }

    @Test func aDuplicateKeyIsFoundInObjectsOfEverySize() {
        for members in [2, 15, 16, 17, 40, 255, 256, 257, 600] {
            let keys = (0..<members).map { "\"k\($0)\": \($0)" }
            for repeated in [0, members / 2, members - 1] {
                let text = "{" + keys.joined(separator: ", ") + ", \"k\(repeated)\": true}"
                #expect(failure(text).contains("duplicate key \"k\(repeated)\""), "\(members) members, k\(repeated) twice")
            }
            #expect(throws: Never.self) { try parse("{" + keys.joined(separator: ", ") + "}") }
        }
    }

    @Test func keysAreDuplicatesExactlyWhenTheyAreEqualStrings() throws {
        #expect(JSONReader.digest("a") != JSONReader.digest("b"))
        #expect(throws: Never.self) { try parse("{\"\": 1, \"a\": 2, \"A\": 3, \"é\": 4, \"e\": 5}") }
        // The same text escaped or not, and canonically equivalent text (as a Swift string, and
        // so as every lookup of a member, sees it), in small and large objects alike.
        let filler = (0..<300).map { "\"f\($0)\": 0" }
        for prefix in [[], filler] {
            let open = "{" + prefix.map { $0 + ", " }.joined()
            #expect(failure(open + "\"é\": 1, \"\\u00e9\": 2}").contains("duplicate key"))
            #expect(failure(open + "\"K\": 1, \"\\u212a\": 2}").contains("duplicate key"))
            #expect(failure(open + "\"\\u212a\": 1, \"K\": 2}").contains("duplicate key"))
            #expect(failure(open + "\"é\": 1, \"e\\u0301\": 2}").contains("duplicate key"))
        }
    }

    @Test func longKeysRepeatedAcrossObjectsReadBackAsWritten() throws {
        // Keys past the small-string length come from a cache of keys met before: each must
        // still be exactly the key its object gave, escaped, non-ASCII or differing in one byte.
        let objects = (0..<600).map { i in
            let keys = ["__system_support_market", "__system_support_marked", "a_long_key_that_repeats_\(i % 7)",
                        "a_long_key_that_varies_\(i)", "__o\\u0073_version_escaped", "__schlüssel_über_länge"]
            return "{" + keys.map { "\"\($0)\": \(i)" }.joined(separator: ", ") + "}"
        }
        let parsed = try parse("[" + objects.joined(separator: ",") + "]")
        guard case let .array(items) = parsed else { Issue.record("not an array"); return }
        for (i, item) in items.enumerated() {
            guard case let .object(members) = item else { Issue.record("not an object"); return }
            #expect(members.map(\.0) == ["__system_support_market", "__system_support_marked", "a_long_key_that_repeats_\(i % 7)",
                                         "a_long_key_that_varies_\(i)", "__os_version_escaped", "__schlüssel_über_länge"])
            #expect(members.allSatisfy { $0.1 == .int(Int64(i)) })
        }
        #expect(failure("[{\"a_long_key_that_repeats\": 1}, {\"a_long_key_that_repeats\": 1, \"a_long_key_that_repeats\": 2}]")
            .contains("duplicate key \"a_long_key_that_repeats\""))
    }

    @Test func integersAroundTheDirectlyReadLengthKeepTheirValues() throws {
        #expect(try parse("999999999999999999") == .int(999_999_999_999_999_999))
        #expect(try parse("-999999999999999999") == .int(-999_999_999_999_999_999))
        #expect(try parse("1000000000000000000") == .int(1_000_000_000_000_000_000))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("[0, 7, -12]") == .array([.int(0), .int(7), .int(-12)]))
    }

    @Test func stringsWithAndWithoutEscapesDecodeAlike() throws {
        #expect(try parse("[\"plain\", \"pl\\u0061in\", \"caf\u{e9}\", \"\"]")
                == .array([.string("plain"), .string("plain"), .string("caf\u{e9}"), .string("")]))
        #expect(failure([0x22, 0x61, 0xFF, 0x22]).contains("not valid UTF-8"))
        #expect(failure("\"a\u{1}b\"").contains("control character"))
    }

    @Test func serializedOutputIsWhatPythonsJSONModuleWrites() throws {
        let value: JSONValue = .object([
            ("format", .string("qcow2")), ("virtual-size", .uint(68_719_476_736)), ("n", .int(-5)),
            ("s", .string("tab\there \"q\" back\\ \u{1} \u{1f} caf\u{e9} 😀")), ("d", .double(0.5)),
            ("a", .array([.null, .bool(false), .bool(true), .array([]), .object([])])),
            ("o", .object([("min", .int(Int64.min)), ("max", .uint(UInt64.max))])),
        ])
        for indent in [4, nil] as [Int?] {
            let ours = value.serialized(indent: indent)
            let script = "import json, sys; print(json.dumps(json.loads(sys.stdin.read()), indent=\(indent.map(String.init) ?? "None"), "
                + "ensure_ascii=False\(indent == nil ? ", separators=(',', ':')" : "")), end='')"
            let written = try Tool.run("python3", ["-c", script], input: ours)
            #expect(ours == written)
        }
    }

    @Test func unclosedContainersFail() {
        #expect(failure("[1, 2").contains("expected ',' or ']', found end of the input"))
        #expect(failure("{\"a\": 1").contains("expected ',' or '}', found end of the input"))
        #expect(failure("[1 2]").contains("expected ',' or ']'"))
        #expect(failure("{\"a\" 1}").contains("expected ':'"))
        #expect(failure("]").contains("expected a JSON value"))
    }

    @Test func aDeepNestingBombFailsCleanly() {
        let bomb = String(repeating: "[", count: 1_000_000)
        #expect(failure(bomb).contains("nesting deeper than 64 levels"))
        let objects = String(repeating: "{\"a\":", count: 100_000)
        #expect(failure(objects).contains("nesting deeper than 64 levels"))
        let oneTooDeep = String(repeating: "[", count: JSONParser.maximumNestingDepth + 1)
            + String(repeating: "]", count: JSONParser.maximumNestingDepth + 1)
        #expect(failure(oneTooDeep) == "line 1, column 65: nesting deeper than 64 levels")
    }

    @Test func inputOverTheCallersLimitIsRefusedBeforeParsing() {
        #expect(failure(Array("[1,2,3]".utf8), limit: 6).contains("more than the limit of 6"))
        #expect(throws: Never.self) { try JSONParser.parse("[1,2,3]", maximumInputBytes: 7) }
    }

    @Test func errorsCarryTheByteOffset() {
        do {
            _ = try JSONParser.parse("{\"a\": x}", maximumInputBytes: 100)
        } catch let error as ImageError {
            #expect(error.offset == 6)
        } catch {
            Issue.record("wrong error type")
        }
    }

    @Test func serializedOutputParsesBackToTheSameValue() throws {
        let value: JSONValue = .object([
            ("s", .string("tab\there \"q\" \u{1} 😀")), ("n", .int(-5)), ("u", .uint(UInt64.max)),
            ("d", .double(0.5)), ("a", .array([.null, .bool(false)])), ("o", .object([])),
        ])
        #expect(try parse(value.serialized()) == value)
        #expect(try parse(value.serialized(indent: nil)) == value)
    }
}
