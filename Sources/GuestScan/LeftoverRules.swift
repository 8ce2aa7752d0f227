import Findings

/// KG417: login records and logs that identify the seller: who logged in from where
/// (`wtmp`, `lastlog`), the user names people tried (`btmp`), the authentication log
/// (`auth.log`, `secure`) and systemd's persistent journal.
enum LeftoverRules {
    /// The authentication logs, by distribution family.
    static let authLogs = ["/var/log/auth.log", "/var/log/secure"]
    /// systemd's persistent journal: a folder per machine ID holding `*.journal` files.
    static let journalDirectory = "/var/log/journal"
    /// Most journal folders and files looked at.
    static let maxJournalEntries = 1024

    static func findings(reader: GuestFileReader) -> [Finding] {
        var findings: [Finding] = []
        for path in [LoginRecords.wtmpPath, LoginRecords.btmpPath] {
            guard let (bytes, _) = reader.readPrefix(path, limit: LoginRecords.maxBytesRead) else { continue }
            let records = LoginRecords.utmpRecordCount(bytes)
            guard records > 0 else { continue }
            findings.append(Finding(.logsLeft,
                                    message: "\(path) holds \(records) login record\(records == 1 ? "" : "s")\(bytes.count >= LoginRecords.maxBytesRead ? " or more" : "")",
                                    evidence: [("file", path), ("records", String(records))]))
        }
        if let (bytes, _) = reader.readPrefix(LoginRecords.lastlogPath, limit: LoginRecords.maxBytesRead) {
            let entries = LoginRecords.lastlogEntryCount(bytes)
            if entries > 0 {
                findings.append(Finding(.logsLeft,
                                        message: "\(LoginRecords.lastlogPath) records the last login of \(entries) account\(entries == 1 ? "" : "s")",
                                        evidence: [("file", LoginRecords.lastlogPath), ("records", String(entries))]))
            }
        }
        for path in authLogs {
            guard let node = reader.stat(path), node.type == .regular, node.size > 0 else { continue }
            findings.append(Finding(.logsLeft, message: "\(path) (\(node.size) bytes) was left in the image",
                                    evidence: [("file", path), ("bytes", String(node.size))]))
        }
        let journals = journalFiles(reader: reader)
        if journals.count > 0 {
            findings.append(Finding(.logsLeft,
                                    message: "\(journalDirectory) holds \(journals.count) journal file\(journals.count == 1 ? "" : "s") (\(journals.bytes) bytes)",
                                    evidence: [("file", journalDirectory), ("files", String(journals.count)), ("bytes", String(journals.bytes))]))
        }
        return findings
    }

    /// The non-empty `*.journal` (and `*.journal~`) files in the journal's folders.
    static func journalFiles(reader: GuestFileReader) -> (count: Int, bytes: UInt64) {
        var count = 0
        var bytes: UInt64 = 0
        var looked = 0
        for folder in (reader.list(journalDirectory) ?? []).sorted(by: { $0.name < $1.name }) {
            let path = GuestFileReader.join(journalDirectory, folder.name)
            for entry in reader.list(path) ?? [] {
                looked += 1
                guard looked <= maxJournalEntries else { return (count, bytes) }
                guard entry.name.hasSuffix(".journal") || entry.name.hasSuffix(".journal~"),
                      let node = reader.lstat(GuestFileReader.join(path, entry.name)), node.type == .regular, node.size > 0 else { continue }
                count += 1
                // (sizes come from the guest's inodes: a damaged one must not overflow the sum)
                let (sum, overflow) = bytes.addingReportingOverflow(node.size)
                bytes = overflow ? UInt64.max : sum
            }
        }
        return (count, bytes)
    }
}
