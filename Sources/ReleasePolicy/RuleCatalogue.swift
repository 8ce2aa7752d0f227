/// Every rule koopack knows: the KG1xx image rules it evaluates here, and the definitions of the
/// release document (KG2xx), upload quota (KG3xx) and security scan (KG4xx) rules that other
/// parts of koopack evaluate, so that every report (SARIF included) can name any rule.
public enum RuleCatalogue {
    /// The KG1xx image rules, in ID order.
    public static let imageRules: [Rule] = [
        Rules.fullECSImage, Rules.notSystemDisk, Rules.sharedImage, Rules.encryptedImage,
        Rules.releasedImage, Rules.marketDerived, Rules.externalOrigin, Rules.packageTooLarge,
        Rules.packageNearLimit, Rules.regionNotAllowed, Rules.regionUnknown, Rules.notSelfContained,
        Rules.formatNotAccepted, Rules.headerDamaged, Rules.firmwareMismatch, Rules.minDiskTooSmall,
        Rules.releaseLocksImage, Rules.imageNotActive, Rules.backupOrigin, Rules.marketNotSupported,
        Rules.diskSizeOutOfRange,
    ]

    /// Every rule's definition, in ID order.
    public static let all: [RuleDefinition] = imageRules.map(\.definition) + documentRules + quotaRules + scanRules

    /// The definition with ID `id`, nil when there is none.
    public static func definition(_ id: String) -> RuleDefinition? {
        all.first { $0.id == id }
    }

    /// The KG2xx release document rules.
    public static let documentRules: [RuleDefinition] = [
        RuleDefinition(id: "KG201", name: "eula-unfilled", severity: .error,
                       summary: "The EULA is not filled in.",
                       detail: "Fires when the EULA has placeholders ([...], <...>, {{...}}, ___, XXX, TBD) or is not text.",
                       remedy: "Fill in every placeholder of the EULA."),
        RuleDefinition(id: "KG202", name: "support-time-zone", severity: .error,
                       summary: "The after-sales service time has no time zone.",
                       detail: "Fires when the after-sales service time does not end with a time zone like (GMT+08:00).",
                       remedy: "End the service time with its time zone, e.g. (GMT+08:00)."),
        RuleDefinition(id: "KG203", name: "support-contact", severity: .error,
                       summary: "The after-sales support contact is incomplete.",
                       detail: "Fires when there is no hotline, or no valid email.",
                       remedy: "Give a hotline and a valid email address."),
        RuleDefinition(id: "KG204", name: "user-guide-incomplete", severity: .warning,
                       summary: "The user guide may be incomplete.",
                       detail: "Fires when the user guide names no port to open, or no way to log in.",
                       remedy: "Say which ports to open and how to log in."),
        RuleDefinition(id: "KG205", name: "certificate-missing", severity: .error,
                       summary: "No software copyright certificate.",
                       detail: "Fires when there is no software copyright certificate file.",
                       remedy: "Add the software copyright certificate."),
        RuleDefinition(id: "KG206", name: "oss-notice-missing", severity: .warning,
                       summary: "No open-source software notice.",
                       detail: "Fires when there is no open-source software notice.",
                       remedy: "Add an open-source software notice."),
        RuleDefinition(id: "KG207", name: "free-vcpu-pricing", severity: .error,
                       summary: "A free image is priced by vCPUs.",
                       detail: "Fires when a free image is priced by vCPUs.",
                       remedy: "Choose a pricing mode that fits a free image."),
        RuleDefinition(id: "KG208", name: "product-text-missing", severity: .error,
                       summary: "Product text is missing.",
                       detail: "Fires when the overview, description or highlights are empty.",
                       remedy: "Write the overview, description and highlights."),
        RuleDefinition(id: "KG209", name: "seo-missing", severity: .note,
                       summary: "No SEO information.",
                       detail: "Fires when the product has no SEO information.",
                       remedy: "Add SEO information."),
        RuleDefinition(id: "KG210", name: "hidden-product", severity: .note,
                       summary: "The product is hidden.",
                       detail: "Fires when Public Product is set to No: customers need the product URL.",
                       remedy: nil),
    ]

    /// The KG3xx daily upload quota rules.
    public static let quotaRules: [RuleDefinition] = [
        RuleDefinition(id: "KG301", name: "quota-files", severity: .error,
                       summary: "A day's uploads would pass 100 files.",
                       detail: "Fires when a day's uploads to the Seller Console would pass 100 files.",
                       remedy: "Spread the uploads over more days."),
        RuleDefinition(id: "KG302", name: "quota-bytes", severity: .error,
                       summary: "A day's uploads would pass 10 GB.",
                       detail: "Fires when a day's uploads would pass 10 GB (assumed 10,000,000,000 bytes, the stricter reading).",
                       remedy: "Spread the uploads over more days."),
        RuleDefinition(id: "KG303", name: "file-over-daily-quota", severity: .error,
                       summary: "One file is larger than a whole day's quota.",
                       detail: "Fires when a single file is larger than a whole day's upload quota.",
                       remedy: "Split or shrink the file."),
    ]

    /// The KG4xx security scan rules.
    public static let scanRules: [RuleDefinition] = [
        RuleDefinition(id: "KG401", name: "preset-password", severity: .error,
                       summary: "An account has a preset password.",
                       detail: "Fires when an account in /etc/shadow has a usable password hash (not *, !, !!, !* or starting with !).",
                       remedy: "Lock it (passwd -l) and let cloud-init set the password at first boot."),
        RuleDefinition(id: "KG402", name: "empty-password", severity: .error,
                       summary: "An account has an empty password.",
                       detail: "Fires when an account's password field is empty in /etc/shadow (or in /etc/passwd with no shadow entry).",
                       remedy: "Lock it."),
        RuleDefinition(id: "KG403", name: "preset-ssh-key", severity: .error,
                       summary: "An SSH authorized key is preset.",
                       detail: "Fires on a non-empty authorized_keys or authorized_keys2 of root or of any home in /etc/passwd.",
                       remedy: "Delete it: keys are injected at first boot."),
        RuleDefinition(id: "KG404", name: "private-key-left", severity: .error,
                       summary: "A private key was left in the image.",
                       detail: "Fires on a private key file (-----BEGIN ... PRIVATE KEY-----, id_rsa, id_ed25519, ...) in root's or a user's home.",
                       remedy: "Delete it."),
        RuleDefinition(id: "KG405", name: "ssh-host-keys-left", severity: .warning,
                       summary: "SSH host keys were left in the image.",
                       detail: "Fires when /etc/ssh/ssh_host_*_key is present: every buyer's instance would share them.",
                       remedy: "Delete them; they are regenerated at first boot."),
        RuleDefinition(id: "KG406", name: "shell-history-left", severity: .warning,
                       summary: "Shell history was left in the image.",
                       detail: "Fires on a non-empty .bash_history, .zsh_history, .ash_history, .python_history, .mysql_history or .viminfo in root's or a user's home.",
                       remedy: "Clear them."),
        RuleDefinition(id: "KG407", name: "cloud-init-missing", severity: .warning,
                       summary: "cloud-init is not installed.",
                       detail: "Fires on a Linux guest without cloud-init (no /usr/bin/cloud-init, no /etc/cloud/cloud.cfg).",
                       remedy: "Install cloud-init: IMS injects passwords and keys through it."),
        RuleDefinition(id: "KG408", name: "cloud-init-state-left", severity: .warning,
                       summary: "cloud-init state was left in the image.",
                       detail: "Fires when /var/lib/cloud/instances/ is not empty.",
                       remedy: "Run cloud-init clean before making the image."),
        RuleDefinition(id: "KG409", name: "os-mismatch", severity: .warning,
                       summary: "The guest's OS disagrees with the metadata.",
                       detail: "Fires when /etc/os-release disagrees with __os_version or __platform.",
                       remedy: "Fix the metadata."),
        RuleDefinition(id: "KG410", name: "scan-not-done", severity: .note,
                       summary: "The root filesystem could not be scanned.",
                       detail: "Fires when the root filesystem is not one koopack reads (NTFS, btrfs, encrypted, not found).",
                       remedy: "Scan it by other means."),
    ]
}
