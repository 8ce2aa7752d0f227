import Foundation
import Testing

/// `koopack scan` and `koopack check` over a guest full of left-behind secrets: KG411 and KG416
/// name each file, line and key in text, JSON and SARIF, and no output holds a secret's value,
/// a password hash or a private key.
@Suite(.enabled(if: GuestRootImage.available, "needs qemu-img and mkfs.ext4"))
struct ScanSecretsOutputTests {
    static let secrets = [
        "HcloudSecretAccessKeyValue0123456789", "ObsutilSecretValue0123456789", "NetrcPasswordValue0123",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "Qm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4",
    ]

    static func image(in scratch: Scratch) throws -> String {
        var files = GuestRootImage.ubuntuWithPresetPassword
        files["home/alice/.hcloud/config.json"] = "{\n  \"profiles\": [\n    {\"name\": \"default\", \"accessKeyId\": \"HPUAEXAMPLE\",\n     \"secretAccessKey\": \"\(secrets[0])\"}\n  ]\n}\n"
        files["root/.obsutilconfig"] = "[Credentials]\nak=HPUAEXAMPLE\nsk=\(secrets[1])\n"
        files["home/alice/.netrc"] = "machine ftp.example.com\n  login alice\n  password \(secrets[2])\n"
        files["etc/nginx/ssl/site.key"] = "-----BEGIN RSA PRIVATE KEY-----\n\(secrets[3])\n-----END RSA PRIVATE KEY-----\n"
        return try GuestRootImage.make(files, in: scratch)
    }

    @Test(arguments: ["text", "json", "sarif"])
    func scanNamesEachSecretByFileLineAndKeyButNeverItsValue(_ format: String) throws {
        let scratch = try Scratch()
        let image = try Self.image(in: scratch)
        let run = try KoopackBinary.run(["scan", "--format", format, image], environment: ["NO_COLOR": "1"])
        #expect(run.status == 1, "\(run.stderr)")
        for expected in ["KG411", "KG416", "/home/alice/.hcloud/config.json", "/root/.obsutilconfig", "/home/alice/.netrc",
                         "/etc/nginx/ssl/site.key", "Credentials.sk"] {
            #expect(run.stdout.contains(expected), "\(format) output lacks \(expected)")
        }
        for secret in Self.secrets {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "\(format) output holds \(secret)")
        }
    }

    @Test func checkRunsTheNewRulesAndItsSARIFDriverListsThem() throws {
        let scratch = try Scratch()
        let image = try Self.image(in: scratch)
        let run = try KoopackBinary.run(["check", "--format", "sarif", image])
        for secret in Self.secrets { #expect(!run.stdout.contains(secret), "check's SARIF holds \(secret)") }
        let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let driver = ((log["runs"] as? [[String: Any]])?.first?["tool"] as? [String: Any])?["driver"] as? [String: Any]
        let ids = ((driver?["rules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(Set((411...417).map { "KG\($0)" }).isSubset(of: Set(ids)))
        let results = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.contains { $0["ruleId"] as? String == "KG411" })
    }
}
