import ArgumentParser

/// `koopack quota`: the daily upload ledger.
struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show, plan and record uploads against the Seller Console's daily quota.",
        discussion: """
            KooGallery's Seller Console takes at most 100 files and 10 GB (read as \
            10,000,000,000 bytes) a day; the day runs in GMT+08:00. koopack keeps a ledger of \
            what each bundle will upload on which day (reserved by `koopack bundle`) and what was \
            uploaded (recorded here), counting each distinct file (by SHA-256) once a day.

            Every quota command first settles bundles that a killed `koopack bundle` left \
            half-done: their reservations are cancelled (see koopack bundle --help).
            """,
        subcommands: [QuotaStatusCommand.self, QuotaPlanCommand.self, QuotaRecordCommand.self, QuotaCancelCommand.self]
    )
}
