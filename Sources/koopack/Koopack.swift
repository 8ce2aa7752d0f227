import ArgumentParser
import Dispatch

/// Where koopack starts. The two commands scripts call in loops, `koopack --version` and a
/// plain `koopack inspect`, are answered before ArgumentParser is set up and without starting
/// Swift concurrency (its executor starts libdispatch and its threads); everything else goes
/// to `Koopack.main`. Benchmarks/README.md says what each costs.
@main
enum KoopackEntry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--version"] {
            Terminal.write(Koopack.version + "\n")
            Terminal.exit(0)
        }
        if arguments.first == "inspect", let quick = InspectCommand.quickArguments(Array(arguments.dropFirst())) {
            // A batch is read on every core: give each thread's heap room to grow first.
            if quick.images.count > 1 { ProcessMemory.reserveHeapGrowth() }
            Terminal.exit(InspectCommand.run(quick))
        }
        ProcessMemory.reserveHeapGrowth()
        Task {
            await Koopack.main()
            Terminal.exit(0)
        }
        dispatchMain()
    }
}

/// koopack: check virtual machine images before releasing them on Huawei Cloud KooGallery.
struct Koopack: AsyncParsableCommand {
    /// What `--version` prints.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "koopack",
        abstract: "Check virtual machine images before releasing them on Huawei Cloud KooGallery.",
        discussion: """
            koopack reads disk images straight from their files (no qemu, no mounting) and tells \
            what each image is, whether KooGallery will accept it, and what exactly goes up.

            Exit status: 0 when all is good, 1 when something is not eligible, 2 on a usage \
            error or an input that could not be read.
            """,
        version: version,
        subcommands: [
            InspectCommand.self, CheckCommand.self, ScanCommand.self, SbomCommand.self,
            BundleCommand.self, VerifyCommand.self, QuotaCommand.self, AuditCommand.self,
            ConvertCommand.self, ImsCommand.self,
        ]
    )

    /// Runs the command line, with koopack's exit codes: usage errors exit 2, not
    /// ArgumentParser's 64, so scripts see one code for "could not do what was asked".
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                Terminal.diagnose(fullMessage(for: error))
                Terminal.exit(2)
            }
            exit(withError: error)
        }
    }
}
