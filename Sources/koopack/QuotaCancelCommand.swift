import ArgumentParser
import QuotaLedger
import ReleaseBundle

/// `koopack quota cancel`: drop a bundle's reservations.
struct QuotaCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a bundle's reservations that are not yet uploaded.")

    @OptionGroup var quota: QuotaOptions

    @Argument(help: ArgumentHelp("The bundle's folder or its bundle ID.", valueName: "bundle"))
    var bundle: String

    func run() async throws {
        let ledger = try quota.openSettledLedger()
        let id = BundleRepair.bundleID(bundle)
        do {
            let rows = try ledger.cancel(bundleID: id)
            Terminal.write("bundle \(id): \(rows) reservation\(rows == 1 ? "" : "s") cancelled\n")
        } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
    }
}
