import Testing
@testable import koopack

/// The start-up fast path reads `koopack --version` and a plain `koopack inspect` without
/// ArgumentParser. It must take exactly the command lines ArgumentParser takes, meaning the same
/// by them, or the two parsers would disagree about what a command line says.
@Suite struct QuickArgumentsTests {
    /// Arguments `inspect` could meet that matter to either parser: images, each option and flag
    /// in each spelling, values good and bad, and an option that is not `inspect`'s.
    static let tokens = ["a.img", "-", "--", "--no-guest", "--backing-chain", "--format", "json", "xml",
                         "--format=text", "--format=", "--output", "--output=json", "-x"]

    /// Every command line of up to `length` tokens.
    static func commandLines(upTo length: Int) -> [[String]] {
        var lines: [[String]] = [[]]
        var previous: [[String]] = [[]]
        for _ in 0..<length {
            previous = previous.flatMap { line in tokens.map { line + [$0] } }
            lines += previous
        }
        return lines
    }

    @Test func theQuickParserTakesExactlyWhatArgumentParserTakesMeaningTheSame() {
        for arguments in Self.commandLines(upTo: 3) {
            let quick = InspectCommand.quickArguments(arguments)
            let parsed = try? InspectCommand.parse(arguments).request()
            #expect(quick == parsed, "\(arguments): quick \(quick.map { "\($0)" } ?? "refuses"), ArgumentParser \(parsed.map { "\($0)" } ?? "refuses")")
        }
    }

    /// Repeated options with different values, and other lines longer than three tokens.
    static let longer: [[String]] = [
        ["--format", "json", "--format=text", "a.img"], ["--format=text", "--format", "json", "a.img", "b.img"],
        ["--output=json", "--output", "human", "a.img"], ["--output", "human", "--output=json", "a.img"],
        ["--no-guest", "--backing-chain", "--no-guest", "--backing-chain", "a.img"],
        ["a.img", "--", "--format", "json"], ["--format=", "text", "--output=", "json", "a.img"],
    ]

    @Test(arguments: longer)
    func longerCommandLinesMeanTheSameToBoth(arguments: [String]) {
        #expect(InspectCommand.quickArguments(arguments) == (try? InspectCommand.parse(arguments).request()))
    }

    @Test func theFastPathAnswersForTheCommandsArgumentParserWould() {
        #expect(InspectCommand.configuration.commandName == "inspect")
        do {
            _ = try Koopack.parseAsRoot(["--version"])
            Issue.record("--version should end parsing")
        } catch {
            #expect(Koopack.fullMessage(for: error) == Koopack.version)
        }
    }
}
