import ArgumentParser
import DiskImage
import QuotaLedger
import ReleaseBundle
import ReleasePolicy

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the ledger is and what the quota is: shared by `bundle` and the `quota` commands.
struct QuotaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The upload ledger (default: $XDG_DATA_HOME/koopack/ledger.sqlite).", valueName: "file"))
    var ledger: String?

    @Option(name: .long, help: ArgumentHelp("The time zone the quota's day runs in, e.g. GMT+08:00, UTC-3.", valueName: "zone"))
    var timezone: String = "GMT+08:00"

    @Option(name: .customLong("files-per-day"), help: ArgumentHelp("Files the console takes a day.", valueName: "n"))
    var filesPerDay: Int = 100

    @Option(name: .customLong("bytes-per-day"), help: ArgumentHelp("Bytes the console takes a day.", valueName: "n"))
    var bytesPerDay: UInt64 = 10_000_000_000

    /// The quota these options describe; a usage error (exit 2) when out of range.
    func limits() throws -> QuotaLimits {
        guard let offset = QuotaLimits.parseOffset(timezone) else {
            throw ValidationError("--timezone \(timezone) is not a time zone offset such as GMT+08:00")
        }
        do {
            return try QuotaLimits(filesPerDay: filesPerDay, bytesPerDay: bytesPerDay, timeZoneOffsetSeconds: offset)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func validate() throws {
        _ = try limits()
    }

    /// Opens the ledger (the given one, or the default), with the clock of `clock()`, and
    /// settles what bundles killed on the way left there (and beside `out`), saying what it did
    /// on standard error.
    func openSettledLedger(near out: String? = nil) throws -> Ledger {
        let ledger = try openLedger()
        for note in BundleRepair.settle(ledger, near: out) { Terminal.diagnose(note) }
        return ledger
    }

    /// Opens the ledger (the given one, or the default), with the clock of `clock()`.
    func openLedger() throws -> Ledger {
        do {
            if let ledger { return try Ledger(path: ledger, clock: QuotaOptions.clock()) }
            return try Ledger.openDefault(clock: QuotaOptions.clock())
        } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
    }

    /// Now, from the system clock, or from `KOOPACK_NOW` (epoch seconds) when set: a testing
    /// aid to run on a chosen day without changing the machine's clock.
    static func clock() -> UploadClock {
        if let text = getenv("KOOPACK_NOW").map({ String(cString: $0) }), let seconds = Int64(text) {
            return .fixed(seconds)
        }
        return .system
    }

    /// A `YYYY-MM-DD` day option, or today in the quota's time zone.
    func day(_ text: String?, limits: QuotaLimits) throws -> UploadDay {
        guard let text else { return QuotaOptions.clock().today(limits) }
        guard let day = UploadDay(text) else { throw ValidationError("--day \(text) is not a date written YYYY-MM-DD") }
        return day
    }

    /// A usage error when a `--day` option is given but not written `YYYY-MM-DD`.
    static func validate(day text: String?) throws {
        if let text, UploadDay(text) == nil { throw ValidationError("--day \(text) is not a date written YYYY-MM-DD") }
    }
}
