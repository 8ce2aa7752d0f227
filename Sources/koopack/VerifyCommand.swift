import ArgumentParser
import ReleaseBundle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `koopack verify`: prove a bundle against its manifest.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-read a bundle and prove every file against manifest.json and SHA256SUMS.",
        discussion: """
            Hashes every file of the bundle (SHA-256, several files at once) and compares it with \
            the manifest: each missing, extra, resized or altered file is named, as is any line \
            of SHA256SUMS that disagrees with the manifest.

            Exit status: 0 when the bundle is exactly what its manifest says, 1 when anything \
            differs, 2 when the manifest cannot be read.
            """)

    @Argument(help: ArgumentHelp("The bundle's folder.", valueName: "bundle"))
    var bundle: String

    func run() async throws {
        let counter = ByteCounter()
        let manifest: BundleManifest
        do { manifest = try BundleVerifier.manifest(of: bundle) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
        let total = manifest.files.reduce(UInt64(0)) { $0 &+ $1.size }
        let bar = ProgressBar.start("verify", total: total, counter: counter)
        let width = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let result: BundleVerification
        do {
            result = try await BundleVerifier.verify(bundle, width: width, counter: counter)
        } catch {
            bar?.finish()
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
        bar?.finish()
        Terminal.write(VerifyText.render(result, bundle: bundle))
        if !result.differences.isEmpty { throw ExitCode(1) }
    }
}
