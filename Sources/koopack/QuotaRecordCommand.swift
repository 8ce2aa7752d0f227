import ArgumentParser
import QuotaLedger
import ReleaseBundle

/// `koopack quota record`: mark a bundle's files uploaded.
struct QuotaRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a bundle's files as uploaded (all of them, or those of one day).")

    @OptionGroup var quota: QuotaOptions

    @Option(name: .long, help: ArgumentHelp("Only the files reserved for this day (YYYY-MM-DD).", valueName: "day"))
    var day: String?

    @Argument(help: ArgumentHelp("The bundle's folder or its bundle ID.", valueName: "bundle"))
    var bundle: String

    func validate() throws {
        try QuotaOptions.validate(day: day)
    }

    func run() async throws {
        let limits = try quota.limits()
        let day = try self.day.map { try quota.day($0, limits: limits) }
        let ledger = try quota.openSettledLedger()
        let id = BundleRepair.bundleID(bundle)
        do {
            let rows = try ledger.record(bundleID: id, day: day)
            Terminal.write("bundle \(id): \(rows) file\(rows == 1 ? "" : "s") recorded as uploaded\n")
        } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
    }
}
