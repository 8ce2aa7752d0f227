import DiskImage
import Findings
import ArgumentParser
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

    func validate() throws {
        try QuotaOptions.validate(day: day)
    }

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
        let ledger = try quota.openSettledLedger()
        let start = forcedDay ?? QuotaOptions.clock().today(limits)
        let used: [UploadDay: DayUsage]
        do { used = try ledger.usage(from: start, days: Ledger.maximumUsageWindowDays) } catch {
            Terminal.diagnose(error.description)
            throw ExitCode(2)
        }
        let plan = forcedDay.map { UploadPlanner.planOnDay(files: uploads, day: $0, limits: limits, used: used) }
            ?? UploadPlanner.plan(files: uploads, limits: limits, startDay: start, used: used)
        findings += plan.allBreaches.map(\.finding)
        Terminal.write(QuotaText.plan(plan) + FindingLines.render(findings, indent: ""))
        if findings.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}

/// Runs blocking per-file work (hashing, copying) on at most one task per core, one file per
/// task, and returns the results in input order.
func parallelFiles<Output: Sendable>(_ paths: [String], _ work: @escaping @Sendable (String) -> Output) async -> [Output] {
    await ParallelWork.mapInBackground(paths, batchSize: 1, work)
}
