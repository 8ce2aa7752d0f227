import CloudAPI
import Foundation
import Testing

/// koopack's `Authorization` header against Huawei's own Python SDK (huaweicloudsdkcore), the
/// oracle, over many generated requests: random methods, paths with reserved and non-ASCII
/// characters (bare or percent-encoded either case), queries with reserved characters, empty
/// values and repeated names, extra headers, content types that make the SDK skip the payload,
/// temporary credentials, and bodies. All cases go through one Python process.
@Suite(.enabled(if: CloudTestData.sdkAvailable, "python3 with huaweicloudsdkcore is needed (make deps installs it)"))
struct SigningOracleTests {
    struct Case {
        var credentials: Credentials
        var token: String?
        var request: HTTPRequest
        var path: String
        var query: [(String, String)]
        var date: String
    }

    @Test func everyGeneratedRequestIsSignedAsHuaweisSDKSignsIt() throws {
        var generator = SplitMix64(seed: 0x6b6f6f7061636b)
        let cases = try (0..<600).map { _ in try Self.makeCase(&generator) }
        var lines = ""
        for item in cases {
            let json: [String: Any] = [
                "ak": item.credentials.accessKey, "sk": Self.secret(of: item), "token": item.token as Any,
                "method": item.request.method, "host": item.request.url.authority, "path": item.path,
                "query": item.query.map { [$0.0, $0.1] },
                "headers": Dictionary(item.request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                "body": Data(item.request.body).base64EncodedString(), "date": item.date,
            ]
            lines += String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self) + "\n"
        }
        let run = try CloudTestData.runTool("/usr/bin/env", ["python3", CloudTestData.cloud + "/sign_oracle.py"], input: Data(lines.utf8))
        #expect(run.status == 0, "oracle failed: \(run.err)")
        let expected = run.out.split(separator: "\n").map(String.init)
        try #require(expected.count == cases.count)
        for (item, oracle) in zip(cases, expected) {
            let signed = AKSKSigner(credentials: item.credentials).sign(item.request, date: item.date)
            #expect(signed.header("Authorization") == oracle,
                    "\(item.request.method) \(item.request.url.absoluteString) headers \(item.request.headers) body \(item.request.body.count) bytes")
        }
    }

    /// The secret key of a generated case (the tests make their own keys, so they know them).
    static func secret(of item: Case) -> String { "sk-" + item.credentials.accessKey.lowercased() + "-secret" }

    static let segmentCharacters = Array("abcXYZ019-._~ !$&'()*+,;=:@%?#/[]\"<>\\^`{|}éü中€😀")
    static let queryCharacters = Array("abcXYZ019-._~ !$&'()*+,;=:@%?#/[]\"<>^`{|}éü中😀")

    static func makeCase(_ g: inout SplitMix64) throws -> Case {
        let accessKey = "AK" + String(g.next() % 1_000_000_000)
        let token = g.next() % 4 == 0 ? "token-" + String(g.next() % 100_000) : nil
        let credentials = Credentials(accessKey: accessKey, secretKey: "sk-" + accessKey.lowercased() + "-secret", securityToken: token)
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
        let method = methods[Int(g.next() % UInt64(methods.count))]
        let segments = (0..<Int(g.next() % 5)).map { _ in randomText(&g, from: segmentCharacters, maximum: 6) }
        var path = "/" + segments.map { wireSegment($0, &g) }.joined(separator: "/")
        if g.next() % 3 == 0 { path += "/" }
        if g.next() % 10 == 0 { path += "%FF" }
        var query: [(String, String)] = []
        let names = (0..<3).map { _ in randomText(&g, from: queryCharacters, maximum: 5, allowEmpty: false) }
        for _ in 0..<Int(g.next() % 6) {
            let name = names[Int(g.next() % 3)]
            let value = g.next() % 4 == 0 ? "" : randomText(&g, from: queryCharacters, maximum: 8)
            query.append((name, value))
        }
        let hosts = ["ims.ap-southeast-3.myhuaweicloud.com", "127.0.0.1:8443", "iam.eu-west-101.myhuaweicloud.eu", "[::1]:9443"]
        var url = try HTTPURL("https://" + hosts[Int(g.next() % 4)] + path)
        url = url.replacingQuery(items: query)
        var request = HTTPRequest(method: method, url: url)
        if g.next() % 2 == 0 { request.setHeader("X-Project-Id", String(g.next(), radix: 16)) }
        if g.next() % 3 == 0 { request.setHeader("X-Custom-\(g.next() % 10)", "  value \(g.next() % 100)\t") }
        if g.next() % 5 == 0 { request.setHeader("X_Not_Signed", "x") }
        if g.next() % 2 == 0 {
            request.body = (0..<Int(g.next() % 300)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            let types = ["application/json", "application/json;charset=UTF-8", "text/plain", "application/octet-stream", "application/bson"]
            request.setHeader("Content-Type", types[Int(g.next() % UInt64(types.count))])
        }
        let seconds = 1_500_000_000 + Int(g.next() % 500_000_000)
        let date = try #require(AKSKSigner(credentials: credentials).sign(request, at: seconds).header("X-Sdk-Date"))
        return Case(credentials: credentials, token: token, request: request, path: path, query: query, date: date)
    }

    /// A segment as a client might send it: each character bare where a path allows it, else
    /// percent-encoded, in upper- or lower-case hex at random.
    static func wireSegment(_ text: String, _ g: inout SplitMix64) -> String {
        var out = ""
        for character in text {
            let bare = character.isASCII && (character.isLetter || character.isNumber || "-._~!$&'()*+,;=:@".contains(character))
            if bare && g.next() % 3 != 0 {
                out.append(character)
            } else {
                for byte in String(character).utf8 {
                    let hex = String(byte, radix: 16, uppercase: g.next() % 2 == 0)
                    out += "%" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
        }
        return out
    }

    static func randomText(_ g: inout SplitMix64, from characters: [Character], maximum: Int, allowEmpty: Bool = true) -> String {
        let count = Int(g.next() % UInt64(maximum + 1))
        let text = String((0..<count).map { _ in characters[Int(g.next() % UInt64(characters.count))] })
        return text.isEmpty && !allowEmpty ? "n" : text
    }
}

/// A small seeded generator, so a failing case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
