import ReleasePolicy

/// Which files go up on which day, so that no day passes the Seller Console's upload quota.
/// Made by `UploadPlanner`; `check` validates any plan, including one forced onto a single day.
public struct UploadPlan: Sendable, Equatable {
    /// The files of one upload day, and what the ledger said was already used that day.
    public struct Day: Sendable, Equatable {
        /// The upload day.
        public var day: UploadDay
        /// The files to upload that day, in the order placed (largest first, then by name).
        public var files: [UploadFile]
        /// What was already used that day before this plan (from the ledger).
        public var usedBefore: DayUsage

        /// A day of `files` on `day`, on top of `usedBefore`.
        public init(day: UploadDay, files: [UploadFile], usedBefore: DayUsage = .zero) {
            self.day = day
            self.files = files
            self.usedBefore = usedBefore
        }

        /// What this day's files add to the day: distinct digests not already counted.
        public var added: DayUsage {
            var usage = DayUsage.zero
            for file in files where !usedBefore.counts(file.sha256) {
                usage = usage.adding(sha256: file.sha256, size: file.size)
            }
            return usage
        }

        /// The day's usage once this plan's files are uploaded.
        public var usageAfter: DayUsage {
            files.reduce(usedBefore) { $0.adding(sha256: $1.sha256, size: $1.size) }
        }
    }

    /// The limits the plan was made for (and that `Ledger.reserve` enforces).
    public var limits: QuotaLimits
    /// The first day the plan could use.
    public var startDay: UploadDay
    /// The days with files, in calendar order.
    public var days: [Day]
    /// Files that could not be planned (each has a finding saying why).
    public var leftOut: [UploadFile]
    /// What the planner found: KG303 for a file larger than a whole day's quota.
    public var findings: [Finding]

    /// A plan of `days` under `limits` starting at `startDay`.
    public init(limits: QuotaLimits, startDay: UploadDay, days: [Day], leftOut: [UploadFile] = [],
                findings: [Finding] = []) {
        self.limits = limits
        self.startDay = startDay
        self.days = days
        self.leftOut = leftOut
        self.findings = findings
    }

    /// Every planned file, day by day.
    public var files: [UploadFile] { days.flatMap(\.files) }

    /// Distinct files this plan adds to the ledger, summed over its days.
    public var addedFiles: Int { days.reduce(0) { $0 + $1.added.files } }

    /// Bytes this plan adds to the ledger, summed over its days.
    public var addedBytes: UInt64 { days.reduce(0) { DayUsage.saturatingSum($0, $1.added.bytes) } }

    /// The last day with files, nil for an empty plan.
    public var lastDay: UploadDay? { days.map(\.day).max() }

    /// The day on which the file named `name` goes up, nil when it is not planned.
    public func day(ofFileNamed name: String) -> UploadDay? {
        days.first { $0.files.contains { $0.name == name } }?.day
    }

    /// The plan's own findings plus `check(limits)`: everything wrong with it.
    public var allFindings: [Finding] { findings + check(limits) }

    /// Validates the plan against `limits`: KG301 for a day that would pass its file quota,
    /// KG302 for one that would pass its byte quota, KG303 for a planned file larger than a
    /// whole day's byte quota. The planner never makes such days; a plan forced onto one day
    /// (`UploadPlanner.planOnDay`) or built by hand may. Days listed twice are judged together.
    public func check(_ limits: QuotaLimits) -> [Finding] {
        var findings: [Finding] = []
        for file in files where file.size > limits.bytesPerDay {
            findings.append(UploadPlan.fileOverDailyQuota(file, limits))
        }
        for day in UploadPlan.merged(days) {
            let after = day.usageAfter
            let added = day.added
            guard added.files > 0 else { continue }
            let evidence: [(String, String)] = [
                ("day", day.day.description),
                ("files", String(after.files)), ("bytes", String(after.bytes)),
                ("alreadyUsedFiles", String(day.usedBefore.files)),
                ("alreadyUsedBytes", String(day.usedBefore.bytes)),
                ("filesPerDay", String(limits.filesPerDay)), ("bytesPerDay", String(limits.bytesPerDay)),
            ]
            if after.files > limits.filesPerDay {
                findings.append(Finding(UploadPlan.rule("KG301", "quota-files"), message:
                    "Uploads on \(day.day) (\(limits.timeZoneName)) would total \(after.files) files"
                    + " (\(day.usedBefore.files) already used), past the daily quota of \(limits.filesPerDay) files.",
                    evidence: evidence))
            }
            if after.bytes > limits.bytesPerDay {
                findings.append(Finding(UploadPlan.rule("KG302", "quota-bytes"), message:
                    "Uploads on \(day.day) (\(limits.timeZoneName)) would total \(grouped(after.bytes)) bytes"
                    + " (\(grouped(day.usedBefore.bytes)) already used), past the daily quota of \(grouped(limits.bytesPerDay)) bytes.",
                    evidence: evidence))
            }
        }
        return findings
    }

    /// `check` against the limits the plan was made for.
    public func check() -> [Finding] { check(limits) }

    /// The KG303 finding for `file`.
    static func fileOverDailyQuota(_ file: UploadFile, _ limits: QuotaLimits) -> Finding {
        Finding(rule("KG303", "file-over-daily-quota"), message:
            "\(file.name) is \(grouped(file.size)) bytes, more than a whole day's upload quota of \(grouped(limits.bytesPerDay)) bytes.",
            evidence: [("file", file.name), ("size", String(file.size)), ("sha256", file.sha256),
                       ("bytesPerDay", String(limits.bytesPerDay))])
    }

    /// The catalogue's definition of quota rule `id`; a bare error-level definition named `name`
    /// should the catalogue ever lose it, so that a quota breach is never silently dropped.
    static func rule(_ id: String, _ name: String) -> RuleDefinition {
        RuleCatalogue.definition(id)
            ?? RuleDefinition(id: id, name: name, severity: .error, summary: name, detail: name, remedy: nil)
    }

    /// `days` with entries for the same day joined (files concatenated, first `usedBefore` kept),
    /// in calendar order.
    static func merged(_ days: [Day]) -> [Day] {
        var byDay: [UploadDay: Day] = [:]
        for day in days {
            if var existing = byDay[day.day] {
                existing.files += day.files
                byDay[day.day] = existing
            } else {
                byDay[day.day] = day
            }
        }
        return byDay.values.sorted { $0.day < $1.day }
    }
}

/// `10,000,000,001`: digits grouped in threes for messages people read.
func grouped(_ value: UInt64) -> String {
    let digits = Array(String(value))
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return out
}
