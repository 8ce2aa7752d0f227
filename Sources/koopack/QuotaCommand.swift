import ArgumentParser
import DiskImage
import Findings
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
}

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

    func run() async throws {
        let limits = try quota.limits()
        let day = try quota.day(day, limits: limits)
        let ledger = try quota.openLedger()
        BundleRepair.settle(ledger)
        let status: DayStatus
        do { status = try ledger.status(day: day) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
        switch format {
        case .json:
            let entries: [JSONValue] = status.entries.map { entry in
                .object([("bundle-id", .string(entry.bundleID)), ("name", .string(entry.file.name)),
                         ("size", .uint(entry.file.size)), ("sha256", .string(entry.file.sha256)),
                         ("role", .string(entry.file.role)), ("state", .string(entry.state.rawValue))])
            }
            let json = JSONValue.object([
                ("day", .string(day.description)), ("time-zone", .string(limits.timeZoneName)),
                ("files", .int(Int64(status.usage.files))), ("bytes", .uint(status.usage.bytes)),
                ("files-per-day", .int(Int64(limits.filesPerDay))), ("bytes-per-day", .uint(limits.bytesPerDay)),
                ("bundles", .array(status.bundleIDs.map { .string($0) })), ("entries", .array(entries)),
            ])
            Terminal.write(json.serialized(indent: 2) + "\n")
        case .text:
            var out = "\(Terminal.bold(day.description)) (\(limits.timeZoneName)), ledger \(ledger.path)\n"
            out += "  files  \(status.usage.files) of \(limits.filesPerDay) (\(status.usage.remainingFiles(limits)) left)\n"
            out += "  bytes  \(Sizes.grouped(status.usage.bytes)) of \(Sizes.grouped(limits.bytesPerDay))"
                + " (\(Sizes.grouped(status.usage.remainingBytes(limits))) left)\n"
            for bundle in status.bundleIDs {
                let rows = status.entries.filter { $0.bundleID == bundle }
                out += "  bundle \(bundle)\n"
                for row in rows {
                    out += "    \(row.state.rawValue.padding(8)) \(row.file.name) (\(row.file.role), \(Sizes.describe(row.file.size)))\n"
                }
            }
            Terminal.write(out)
        }
    }
}

/// Text or JSON output.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `koopack quota plan`: which day each file would go up, without reserving.
struct QuotaPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan upload days for files against the ledger, without reserving anything.",
        discussion: """
            Hashes each file (SHA-256), then places the files on days from today on, largest \
            first, so that no day passes the quota, on top of what the ledger already holds. \
            With --day, every file is put on that day instead, and the plan is judged: KG301 when \
            the day would pass its file quota, KG302 its byte quota. A file larger than a whole \
            day's quota is KG303 (and is not read). Exit status 1 when any error is found.
            """)

    @OptionGroup var quota: QuotaOptions

    @Option(name: .long, help: ArgumentHelp("Put every file on this day (YYYY-MM-DD) and judge it.", valueName: "day"))
    var day: String?

    @Argument(help: ArgumentHelp("The files to upload.", valueName: "file"))
    var files: [String]

    func run() async throws {
        let limits = try quota.limits()
        let forcedDay = try day.map { try quota.day($0, limits: limits) }
        var findings: [Finding] = []
        var toHash: [String] = []
        for path in files {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                Terminal.diagnose("\(path): " + (errno == 0 ? "not a regular file" : String(cString: strerror(errno))))
                throw ExitCode(2)
            }
            let size = UInt64(max(0, info.st_size))
            if size > limits.bytesPerDay {
                findings.append(QuotaBreach.fileOverDailyQuota(name: path, size: size, sha256: nil, bytesPerDay: limits.bytesPerDay).finding)
            } else {
                toHash.append(path)
            }
        }
        let counter = ByteCounter()
        let hashed: [Result<HashedFile, BundleError>] = await parallelFiles(toHash) { path in
            do throws(BundleError) { return .success(try FileHasher.hash(path: path, counter: counter)) }
            catch { return .failure(error) }
        }
        var uploads: [UploadFile] = []
        for (path, result) in zip(toHash, hashed) {
            switch result {
            case .success(let file): uploads.append(UploadFile(name: path, size: file.size, sha256: file.sha256, role: "file"))
            case .failure(let error):
                Terminal.diagnose(error.description)
                throw ExitCode(2)
            }
        }
        let ledger = try quota.openLedger()
        BundleRepair.settle(ledger)
        let start = forcedDay ?? QuotaOptions.clock().today(limits)
        let used: [UploadDay: DayUsage]
        do { used = try ledger.usage(from: start, days: Ledger.maximumUsageWindowDays) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
        let plan = forcedDay.map { UploadPlanner.planOnDay(files: uploads, day: $0, limits: limits, used: used) }
            ?? UploadPlanner.plan(files: uploads, limits: limits, startDay: start, used: used)
        findings += plan.allBreaches.map(\.finding)
        Terminal.write(QuotaFindings.render(plan: plan) + FindingLines.render(findings, indent: ""))
        if findings.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}

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

    func run() async throws {
        let limits = try quota.limits()
        let day = try self.day.map { try quota.day($0, limits: limits) }
        let ledger = try quota.openLedger()
        BundleRepair.settle(ledger)
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

/// `koopack quota cancel`: drop a bundle's reservations.
struct QuotaCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a bundle's reservations that are not yet uploaded.")

    @OptionGroup var quota: QuotaOptions

    @Argument(help: ArgumentHelp("The bundle's folder or its bundle ID.", valueName: "bundle"))
    var bundle: String

    func run() async throws {
        let ledger = try quota.openLedger()
        BundleRepair.settle(ledger)
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

/// Quota findings and plans as text.
enum QuotaFindings {
    /// `2026-11-25 (GMT+08:00): 3 files, 1.20 GiB` per day, then each file.
    static func render(plan: UploadPlan) -> String {
        var out = ""
        for (index, day) in plan.days.enumerated() {
            let added = day.added
            out += "day \(index + 1): \(day.day) (\(plan.limits.timeZoneName)): \(day.files.count) file\(day.files.count == 1 ? "" : "s"), "
                + "\(added.bytes == 1 ? "1 byte" : Sizes.describe(added.bytes)) added"
            if day.usedBefore.files > 0 { out += " (\(day.usedBefore.files) files, \(Sizes.grouped(day.usedBefore.bytes)) bytes already booked)" }
            out += "\n"
            for file in day.files { out += "  \(file.name) (\(Sizes.describe(file.size)))\n" }
        }
        if plan.days.isEmpty { out += "nothing to upload\n" }
        return out
    }
}


/// Runs blocking per-file work (hashing, copying) on at most one task per core, one file per
/// task, and returns the results in input order.
func parallelFiles<Output: Sendable>(_ paths: [String], _ work: @escaping @Sendable (String) -> Output) async -> [Output] {
    await ParallelWork.map(paths, work)
}
