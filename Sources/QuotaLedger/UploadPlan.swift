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
    /// Files that could not be planned (each has a breach saying why).
    public var leftOut: [UploadFile]
    /// Why files were left out: a file larger than a whole day's quota, or one no day had room for.
    public var breaches: [QuotaBreach]

    /// A plan of `days` under `limits` starting at `startDay`.
    public init(limits: QuotaLimits, startDay: UploadDay, days: [Day], leftOut: [UploadFile] = [],
                breaches: [QuotaBreach] = []) {
        self.limits = limits
        self.startDay = startDay
        self.days = days
        self.leftOut = leftOut
        self.breaches = breaches
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

    /// The plan's own breaches plus `check(limits)`: everything wrong with it.
    public var allBreaches: [QuotaBreach] { breaches + check(limits) }

    /// Validates the plan against `limits`: a day that would pass its file quota, one that
    /// would pass its byte quota, a planned file larger than a whole day's byte quota. The
    /// planner never makes such days; a plan forced onto one day (`UploadPlanner.planOnDay`) or
    /// built by hand may. Days listed twice are judged together.
    public func check(_ limits: QuotaLimits) -> [QuotaBreach] {
        var breaches: [QuotaBreach] = []
        for file in files where file.size > limits.bytesPerDay {
            breaches.append(.fileOverDailyQuota(name: file.name, size: file.size, sha256: file.sha256,
                                                bytesPerDay: limits.bytesPerDay))
        }
        for day in UploadPlan.merged(days) {
            guard day.added.files > 0 else { continue }
            let excess = DayExcess(day: day.day, before: day.usedBefore, after: day.usageAfter, limits: limits)
            if excess.exceedsFiles { breaches.append(.dayOverFileQuota(excess)) }
            if excess.exceedsBytes { breaches.append(.dayOverByteQuota(excess)) }
        }
        return breaches
    }

    /// `check` against the limits the plan was made for.
    public func check() -> [QuotaBreach] { check(limits) }

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
