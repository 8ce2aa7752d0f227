/// Spreads a release's files over upload days so that no day passes the quota, using as few
/// days as first-fit decreasing allows and starting at a given day.
///
/// What the ledger already holds for a day counts against it; a file whose SHA-256 is already
/// counted on a day costs nothing more there, and identical files (same SHA-256) in one plan
/// go up on the same day and count once. A file larger than a whole day's byte quota can never
/// be uploaded and is left out with a breach saying so. The result is deterministic: files are
/// placed largest first, ties broken by name, then by digest.
public enum UploadPlanner {
    /// How many days past the start day the planner looks for room: ten years. Reaching it means
    /// the ledger or the input is absurd (a hundred thousand files at the default quota fit in
    /// a thousand days), and it keeps planning time bounded whatever the ledger holds.
    public static let maximumPlanDays = 3660

    /// Plans `files` over days from `startDay` under `limits`, on top of `used` (the ledger's
    /// usage per day; days missing from it count as unused).
    public static func plan(files: [UploadFile], limits: QuotaLimits, startDay: UploadDay,
                            used: [UploadDay: DayUsage] = [:]) -> UploadPlan {
        var days: [PlanningDay] = []
        var leftOut: [UploadFile] = []
        var breaches: [QuotaBreach] = []

        for group in IdenticalFiles.grouping(files) {
            if group.size > limits.bytesPerDay {
                for file in group.files {
                    leftOut.append(file)
                    breaches.append(.fileOverDailyQuota(name: file.name, size: file.size, sha256: file.sha256,
                                                        bytesPerDay: limits.bytesPerDay))
                }
                continue
            }
            var placed = false
            var offset = 0
            while offset < maximumPlanDays {
                if offset == days.count {
                    guard let day = startDay.adding(days: offset) else { break }
                    days.append(PlanningDay(day: day, usedBefore: used[day] ?? .zero))
                }
                if days[offset].fits(group, limits) {
                    days[offset].place(group)
                    placed = true
                    break
                }
                offset += 1
            }
            if !placed {
                for file in group.files {
                    leftOut.append(file)
                    breaches.append(.noDayWithRoom(file: file.name, startDay: startDay, days: maximumPlanDays))
                }
            }
        }
        let planned = days.filter { !$0.files.isEmpty }.map {
            UploadPlan.Day(day: $0.day, files: $0.files, usedBefore: $0.usedBefore)
        }
        return UploadPlan(limits: limits, startDay: startDay, days: planned, leftOut: leftOut, breaches: breaches)
    }

    /// Puts every one of `files` on `day`, whatever the quota says (for a user who forces the
    /// day). Nothing is left out and nothing is judged: `UploadPlan.check` says what breaks.
    public static func planOnDay(files: [UploadFile], day: UploadDay, limits: QuotaLimits,
                                 used: [UploadDay: DayUsage] = [:]) -> UploadPlan {
        let ordered = IdenticalFiles.grouping(files).flatMap(\.files)
        let days = ordered.isEmpty ? [] : [UploadPlan.Day(day: day, files: ordered, usedBefore: used[day] ?? .zero)]
        return UploadPlan(limits: limits, startDay: day, days: days)
    }
}

/// Files sharing one SHA-256: they are one upload as far as the quota is concerned.
struct IdenticalFiles {
    var sha256: String
    /// The largest size given for the digest. Files with one digest have one size; should a
    /// caller give two, the largest decides where the group fits (the safe reading), and the
    /// whole group is left out if that size passes a day's quota.
    var size: UInt64
    /// The files, sorted by name.
    var files: [UploadFile]

    /// `files` grouped by digest, largest first, then by first name, then by digest.
    static func grouping(_ files: [UploadFile]) -> [IdenticalFiles] {
        var index: [String: Int] = [:]
        var groups: [IdenticalFiles] = []
        for file in files {
            if let at = index[file.sha256] {
                groups[at].files.append(file)
                groups[at].size = max(groups[at].size, file.size)
            } else {
                index[file.sha256] = groups.count
                groups.append(IdenticalFiles(sha256: file.sha256, size: file.size, files: [file]))
            }
        }
        for at in groups.indices {
            groups[at].files.sort { ($0.name, $0.role) < ($1.name, $1.role) }
        }
        return groups.sorted {
            if $0.size != $1.size { return $0.size > $1.size }
            let a = $0.files.first?.name ?? "", b = $1.files.first?.name ?? ""
            if a != b { return a < b }
            return $0.sha256 < $1.sha256
        }
    }
}

/// One day while planning: what the ledger had, plus what the plan has put there so far.
struct PlanningDay {
    let day: UploadDay
    let usedBefore: DayUsage
    var usage: DayUsage
    var files: [UploadFile] = []

    init(day: UploadDay, usedBefore: DayUsage) {
        self.day = day
        self.usedBefore = usedBefore
        self.usage = usedBefore
    }

    /// Whether `group` can go up this day: free when its digest is already counted, otherwise
    /// when one more file and its bytes stay within the limits.
    func fits(_ group: IdenticalFiles, _ limits: QuotaLimits) -> Bool {
        if usage.counts(group.sha256) { return true }
        return usage.files < limits.filesPerDay
            && DayUsage.saturatingSum(usage.bytes, group.size) <= limits.bytesPerDay
    }

    mutating func place(_ group: IdenticalFiles) {
        usage = usage.adding(sha256: group.sha256, size: group.size)
        files += group.files
    }
}
