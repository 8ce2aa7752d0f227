import Testing
@testable import GuestScan

/// The KG411 parsers: each credential format fires on a secret with a value, on the right line
/// and key, and never on a commented-out line, an empty value or a reference to a secret kept
/// elsewhere. No hit's description ever holds the secret.
@Suite struct CredentialParserTests {
    /// The secret every case hides; no description may contain it.
    static let secret = "S3cr3tV4lue0123456789abcdefABCDEF"

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every hit's description, checked to hold no secret.
    static func expectNoSecret(_ hits: [CredentialHit], sourceLocation: SourceLocation = #_sourceLocation) {
        for hit in hits {
            #expect(!hit.description.contains(secret), "\(hit.description)", sourceLocation: sourceLocation)
            #expect(!hit.key.contains(secret), sourceLocation: sourceLocation)
            #expect(!"\(hit)".contains("S3cr3t"), sourceLocation: sourceLocation)
        }
    }

    @Test func aKooCLIProfileWithASecretKeyFiresOnItsLineAndKey() {
        let text = """
            {
              "language": "en",
              "current": "default",
              "profiles": [
                {
                  "name": "default",
                  "mode": "AKSK",
                  "accessKeyId": "HPUAEXAMPLEAK",
                  "secretAccessKey": "\(Self.secret)",
                  "securityToken": "",
                  "region": "ap-southeast-3"
                },
                {
                  "name": "temp",
                  "secretAccessKey": "",
                  "securityToken": "\(Self.secret)"
                }
              ]
            }
            """
        let hits = KooCLIConfig.credentials(in: Self.bytes(text), path: "/home/alice/.hcloud/config.json")
        #expect(hits == [
            CredentialHit(path: "/home/alice/.hcloud/config.json", line: 9, key: "profiles[0].secretAccessKey", kind: .secretAccessKey),
            CredentialHit(path: "/home/alice/.hcloud/config.json", line: 16, key: "profiles[1].securityToken", kind: .token),
        ])
        Self.expectNoSecret(hits)
    }

    @Test func aKooCLIConfigWithEmptyKeysOrNotJSONIsNoHit() {
        let empty = #"{"profiles":[{"name":"default","accessKeyId":"AK","secretAccessKey":""}]}"#
        #expect(KooCLIConfig.credentials(in: Self.bytes(empty), path: "c").isEmpty)
        #expect(KooCLIConfig.credentials(in: Self.bytes("secretAccessKey = x"), path: "c").isEmpty)
        // A key-like text inside a string value is not a key, and does not shift the lines.
        let tricky = """
            {"note": "\\"secretAccessKey\\": here",
             "sk": "\(Self.secret)"}
            """
        #expect(KooCLIConfig.credentials(in: Self.bytes(tricky), path: "c") == [CredentialHit(path: "c", line: 2, key: "sk", kind: .secretAccessKey)])
    }

    @Test func obsutilS3cmdAWSRcloneAndMySQLFilesFireOnTheirOwnSecretKeys() {
        let obsutil = "[Credentials]\nak=HPUAEXAMPLE\nsk=\(Self.secret)\ntoken=\nendpoint=obs.ap-southeast-3.myhuaweicloud.com\n"
        #expect(INICredentials.credentials(in: Self.bytes(obsutil), path: "/root/.obsutilconfig", format: .obsutil)
            == [CredentialHit(path: "/root/.obsutilconfig", line: 3, key: "Credentials.sk", kind: .secretAccessKey)])

        let s3cmd = "[default]\naccess_key = AKIAEXAMPLE\nsecret_key = \(Self.secret)\nhost_base = s3.amazonaws.com\n"
        #expect(INICredentials.credentials(in: Self.bytes(s3cmd), path: "/root/.s3cfg", format: .s3cmd)
            == [CredentialHit(path: "/root/.s3cfg", line: 3, key: "default.secret_key", kind: .secretAccessKey)])

        let aws = "[default]\naws_access_key_id = AKIA\naws_secret_access_key = \(Self.secret)\n\n[ci]\naws_secret_access_key=\(Self.secret)\naws_session_token = \(Self.secret)\n"
        let awsHits = INICredentials.credentials(in: Self.bytes(aws), path: "/home/bob/.aws/credentials", format: .aws)
        #expect(awsHits.map(\.key) == ["default.aws_secret_access_key", "ci.aws_secret_access_key", "ci.aws_session_token"])
        #expect(awsHits.map { $0.line ?? 0 } == [3, 6, 7])

        let rclone = "[obs]\ntype = s3\nprovider = HuaweiOBS\naccess_key_id = AK\nsecret_access_key = \(Self.secret)\n\n[box]\ntype = sftp\npass = \(Self.secret)\n"
        let rcloneHits = INICredentials.credentials(in: Self.bytes(rclone), path: "/root/.config/rclone/rclone.conf", format: .rclone)
        #expect(rcloneHits.map(\.key) == ["obs.secret_access_key", "box.pass"])
        #expect(rcloneHits.map(\.kind) == [.secretAccessKey, .password])

        let mysql = "[client]\nuser=app\npassword=\"\(Self.secret)\"\n"
        #expect(INICredentials.credentials(in: Self.bytes(mysql), path: "/root/.my.cnf", format: .mysql)
            == [CredentialHit(path: "/root/.my.cnf", line: 3, key: "client.password", kind: .password)])
        Self.expectNoSecret(awsHits + rcloneHits)
    }

    @Test func commentedOutEmptyAndBarePasswordLinesInINIFilesAreNoHit() {
        let text = "[default]\n# aws_secret_access_key = \(Self.secret)\n; aws_secret_access_key = \(Self.secret)\naws_secret_access_key =\naws_secret_access_key = \"\"\n"
        #expect(INICredentials.credentials(in: Self.bytes(text), path: "c", format: .aws).isEmpty)
        // MySQL's bare `password` asks for the password at run time.
        #expect(INICredentials.credentials(in: Self.bytes("[client]\npassword\nuser=root\n"), path: "c", format: .mysql).isEmpty)
        // obsutil's AK alone is not a secret.
        #expect(INICredentials.credentials(in: Self.bytes("[Credentials]\nak=HPUA\nsk=\n"), path: "c", format: .obsutil).isEmpty)
    }

    @Test func aNetrcPasswordFiresWithItsMachineAndAMacroBodyIsSkipped() {
        let text = """
            # ftp logins
            machine ftp.example.com login seller password \(Self.secret)
            machine git.example.com
              login ci
              password "\(Self.secret) with space"
            macdef init
            password not-a-token-here
            machine inside.macro password x

            default login anonymous password ""
            """
        let hits = Netrc.credentials(in: Self.bytes(text), path: "/root/.netrc")
        #expect(hits == [
            CredentialHit(path: "/root/.netrc", line: 2, key: "password (machine ftp.example.com)", kind: .password),
            CredentialHit(path: "/root/.netrc", line: 5, key: "password (machine git.example.com)", kind: .password),
        ])
        Self.expectNoSecret(hits)
        #expect(Netrc.credentials(in: Self.bytes("# machine x login y password \(Self.secret)\nmachine a login b\n"), path: "n").isEmpty)
    }

    @Test func gitCredentialURLsWithAUserPartFireNamingOnlySchemeAndHost() {
        let text = """
            https://seller:\(Self.secret)@github.com
            https://\(Self.secret)@gitlab.example.com:8443/group/repo.git
            # https://old:\(Self.secret)@example.org
            https://example.org/no-user

            """
        let hits = GitCredentials.credentials(in: Self.bytes(text), path: "/home/alice/.git-credentials")
        #expect(hits == [
            CredentialHit(path: "/home/alice/.git-credentials", line: 1, key: "https://github.com", kind: .password),
            CredentialHit(path: "/home/alice/.git-credentials", line: 2, key: "https://gitlab.example.com:8443", kind: .token),
        ])
        Self.expectNoSecret(hits)
    }

    @Test func dockerAuthsFirePerRegistryAndACredentialStoreDoesNot() {
        let text = """
            {
              "auths": {
                "swr.ap-southeast-3.myhuaweicloud.com": {
                  "auth": "\(Self.secret)"
                },
                "[::1]:5000": { "identitytoken": "\(Self.secret)" },
                "empty.example.com": { "auth": "" }
              },
              "credsStore": "pass"
            }
            """
        let hits = DockerConfig.credentials(in: Self.bytes(text), path: "/root/.docker/config.json")
        #expect(hits == [
            CredentialHit(path: "/root/.docker/config.json", line: 4, key: "auths[\"swr.ap-southeast-3.myhuaweicloud.com\"].auth", kind: .registryLogin),
            CredentialHit(path: "/root/.docker/config.json", line: 6, key: "auths[\"[::1]:5000\"].identitytoken", kind: .token),
        ])
        let storeOnly = #"{"auths": {"swr.example.com": {}}, "credsStore": "secretservice"}"#
        #expect(DockerConfig.credentials(in: Self.bytes(storeOnly), path: "c").isEmpty)
        // An `auth` outside `auths` is not a registry login.
        #expect(DockerConfig.credentials(in: Self.bytes(#"{"proxies": {"default": {"auth": "x"}}}"#), path: "c").isEmpty)
        Self.expectNoSecret(hits)
    }

    @Test func kubeconfigUserTokensKeysAndPasswordsFireOnTheirLines() {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: cce
              cluster:
                server: https://192.0.2.10:5443
                certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
            users:
            - name: admin
              user:
                client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
                client-key-data: \(Self.secret)
            - name: ci
              user:
                token: \(Self.secret)
            - name: old
              user:
                # token: \(Self.secret)
                password: ""
            """
        let hits = Kubeconfig.credentials(in: Self.bytes(text), path: "/root/.kube/config")
        #expect(hits == [
            CredentialHit(path: "/root/.kube/config", line: 12, key: "users[0].user.client-key-data", kind: .privateKey),
            CredentialHit(path: "/root/.kube/config", line: 15, key: "users[1].user.token", kind: .token),
        ])
        Self.expectNoSecret(hits)
        #expect(Kubeconfig.credentials(in: Self.bytes("users: [unclosed"), path: "k").isEmpty)
    }

    @Test func deeplyNestedOrAliasExpandedYAMLIsReadWithinItsBounds() {
        // Nested brackets past the bound are not composed at all (the composer recurses per level).
        let nested = "users: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(Kubeconfig.credentials(in: Self.bytes(nested), path: "k").isEmpty)
        // Aliases that double at every level would expand to 2^40 nodes: the walk stops at its
        // budget (here inside the anchors, before `users`) instead of running for ever.
        var text = "a0: &a0 {token: x}\n"
        for i in 1...40 { text += "a\(i): &a\(i) [*a\(i - 1), *a\(i - 1)]\n" }
        text += "users: [*a40]\n"
        let hits = Kubeconfig.credentials(in: Self.bytes(text), path: "k")
        #expect(hits.count < YAMLWalk.maxNodes)
    }

    @Test func pgpassLinesWithAPasswordFireNamedByWhereTheyLogIn() {
        let text = "# host:port:db:user:password\ndb.example.com:5432:*:app:\(Self.secret)\nlocalhost:*:*:postgres:\nweird\\:host:5432:db:u:p\\:w\n"
        let hits = PGPass.credentials(in: Self.bytes(text), path: "/var/lib/postgresql/.pgpass")
        #expect(hits.map(\.key) == ["password (db.example.com:5432:*:app)", "password (weird\\:host:5432:db:u)"])
        #expect(hits.map { $0.line ?? 0 } == [2, 4])
        Self.expectNoSecret(hits)
    }

    @Test func secretVariablesAssignedLiteralsInProfilesFire() {
        let text = """
            # Huawei Cloud SDK
            export HUAWEICLOUD_SDK_AK=HPUAEXAMPLE
            export HUAWEICLOUD_SDK_SK=\(Self.secret)
            OBS_SECRET_ACCESS_KEY="\(Self.secret)"; export OBS_SECRET_ACCESS_KEY
            declare -x AWS_SECRET_ACCESS_KEY='\(Self.secret)'
            setenv GITHUB_TOKEN \(Self.secret)
            export A=1 DB_PASSWORD=\(Self.secret)
            """
        let hits = EnvironmentAssignments.credentials(in: Self.bytes(text), path: "/etc/profile.d/cloud.sh")
        #expect(hits.map(\.key) == ["HUAWEICLOUD_SDK_SK", "OBS_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD"])
        #expect(hits.map { $0.line ?? 0 } == [3, 4, 5, 6, 7])
        #expect(hits.map(\.kind) == [.secretAccessKey, .secretAccessKey, .secretAccessKey, .token, .password])
        Self.expectNoSecret(hits)
    }

    @Test func commentedReferencedAndEmptySecretVariablesAreNoHit() {
        let text = """
            # export HUAWEICLOUD_SDK_SK=\(Self.secret)
              #AWS_SECRET_ACCESS_KEY=\(Self.secret)
            export HUAWEICLOUD_SDK_SK=$SK_FROM_VAULT
            export OBS_SECRET_ACCESS_KEY="${OBS_SK}"
            export GITHUB_TOKEN=$(cat /run/secrets/token)
            export AWS_SESSION_TOKEN=`vault read -field=token x`
            AWS_SECRET_ACCESS_KEY=
            PS1='\\u@\\h:\\w\\$ '
            echo HUAWEICLOUD_SDK_SK=\(Self.secret)
            """
        #expect(EnvironmentAssignments.credentials(in: Self.bytes(text), path: "/root/.bashrc").isEmpty)
        // /etc/environment has no `export`, only assignments.
        let environment = "PATH=\"/usr/local/sbin:/usr/bin\"\nHUAWEICLOUD_SDK_SK=\"\(Self.secret)\"\n"
        #expect(EnvironmentAssignments.credentials(in: Self.bytes(environment), path: "/etc/environment")
            == [CredentialHit(path: "/etc/environment", line: 2, key: "HUAWEICLOUD_SDK_SK", kind: .secretAccessKey)])
    }
}
