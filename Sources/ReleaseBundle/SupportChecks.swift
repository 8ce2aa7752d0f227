import Findings

/// KG202 and KG203: the after-sales support contact.
///
/// The service time must end with its time zone as `(GMT+08:00)`; koopack also accepts
/// `(UTC+08:00)`, the same offset under the name ISO 8601 uses, and a minus sign. The hour runs
/// 00–14 and the minutes 00–59, two digits each; `GMT+8` (no parentheses, one digit) fails.
extension DocumentChecks {
    /// KG202 on the service time (nil when the release gives none).
    public static func serviceTime(_ time: String?) -> [Finding] {
        let definition = RuleID.supportTimeZone.definition
        guard let time, !time.trimmedText.isEmpty else {
            return [Finding(definition, message: "the release gives no after-sales service time (documents.support.service-time).",
                            evidence: [("documents.support.service-time", "not given")])]
        }
        guard endsWithTimeZone(time) else {
            return [Finding(definition, message: "the after-sales service time \"\(time.trimmedText)\" does not end with a time zone such as (GMT+08:00).",
                            evidence: [("documents.support.service-time", time.trimmedText)])]
        }
        return []
    }

    /// Whether `text` ends with `(GMT±HH:MM)` or `(UTC±HH:MM)`.
    public static func endsWithTimeZone(_ text: String) -> Bool {
        let chars = Array(text.trimmedText)
        // "(GMT+08:00)" is 11 characters.
        guard chars.count >= 11 else { return false }
        let zone = Array(chars[(chars.count - 11)...])
        let name = String(zone[1...3])
        func digit(_ c: Character) -> Int? { c.isASCII ? c.wholeNumberValue : nil }
        guard zone[0] == "(", zone[10] == ")", name == "GMT" || name == "UTC",
              zone[4] == "+" || zone[4] == "-", zone[7] == ":",
              let h1 = digit(zone[5]), let h2 = digit(zone[6]), let m1 = digit(zone[8]), let m2 = digit(zone[9]) else {
            return false
        }
        return h1 * 10 + h2 <= 14 && m1 * 10 + m2 <= 59
    }

    /// KG203: a hotline (with at least one digit) and a syntactically valid email address.
    public static func supportContact(_ support: SupportContact) -> [Finding] {
        var evidence: [(String, String)] = []
        var problems: [String] = []
        let hotline = support.hotline?.trimmedText ?? ""
        if hotline.isEmpty {
            evidence.append(("documents.support.hotline", "not given"))
            problems.append("no hotline")
        } else if !hotline.contains(where: { $0.isASCII && $0.isNumber }) {
            evidence.append(("documents.support.hotline", hotline))
            problems.append("the hotline \"\(hotline)\" has no digits")
        }
        let email = support.email?.trimmedText ?? ""
        if email.isEmpty {
            evidence.append(("documents.support.email", "not given"))
            problems.append("no email")
        } else if !isValidEmail(email) {
            evidence.append(("documents.support.email", email))
            problems.append("the email \"\(email)\" is not a valid address")
        }
        guard !problems.isEmpty else { return [] }
        return [Finding(.supportContact, message: "the after-sales support contact has \(problems.joined(separator: " and ")).", evidence: evidence)]
    }

    /// Whether `address` is a syntactically valid email address: a dot-atom local part, `@`, and
    /// a domain of at least two DNS labels (letters, digits, hyphens; none starting or ending with
    /// a hyphen) whose last label has a letter. `a@b` fails: no mail is delivered to a bare host
    /// name on the Internet. Quoted local parts and address literals are not accepted.
    public static func isValidEmail(_ address: String) -> Bool {
        guard address.utf8.count <= 254, address.allSatisfy(\.isASCII) else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        let localSpecials = Set("!#$%&'*+/=?^_`{|}~-")
        guard !local.isEmpty, local.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
              local.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || localSpecials.contains($0) }) else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), !label.hasPrefix("-"), !label.hasSuffix("-"),
                  label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return false }
        }
        guard let top = labels.last, top.count >= 2, top.contains(where: \.isLetter) else { return false }
        return true
    }
}
