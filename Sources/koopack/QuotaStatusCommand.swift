import ArgumentParser
import QuotaLedger

/// `koopack quota status`: what the ledger holds for a day.
struct QuotaStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a day's uploads: reserved and uploaded files, and what is left of the quota.")

    @OptionGroup var quota: QuotaOptions

    @Option(name: .long, help: ArgumentHelp("The day, YYYY-MM-DD (default: today in the quota's time zone).", valueName: "day"))
    var day: String?

    @Option(name: .long, help: "Output format: text or json.")
    var format: ListFormat = .text

    func validate() throws {
        try QuotaOptions.validate(day: day)
    }

    func run() async throws {
        let limits = try quota.limits()
        let day = try quota.day(day, limits: limits)
        let ledger = try quota.openSettledLedger()
        let status: DayStatus
        do { status = try ledger.status(day: day) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
        switch format {
        case .json: JSONOutput.write(QuotaJSON.status(status, day: day, limits: limits))
        case .text: Terminal.write(QuotaText.status(status, day: day, limits: limits, ledgerPath: ledger.path))
        }
    }
}
