/// The definition of every rule: its name, severity, summary, detail and remedy, the text every
/// report and SARIF's `tool.driver.rules` give. Looking a rule up is total: `definition(_:)` is a
/// switch over `RuleID`, so a rule without a definition does not compile.
///
/// IDs, names and severities are DOMAIN.md's, word for word. A rule may be defined here before
/// anything fires it (listed in `notYetEvaluated` until the change that makes it fire); today
/// every rule fires.
public enum RuleCatalogue {
    /// Every rule's definition, in ID order.
    public static let all: [RuleDefinition] = RuleID.allCases.sorted().map(definition)

    /// The rules koopack evaluates today, in ID order: what SARIF's driver lists, so that a log
    /// never names a rule that nothing checks.
    public static let evaluated: [RuleDefinition] = all.filter { !notYetEvaluated.contains($0.id) }

    /// Rules defined but not yet fired by any check. A rule leaves this set in the change that
    /// makes it fire.
    public static let notYetEvaluated: Set<RuleID> = [
    ]

    /// The definitions of one family of rules, in ID order.
    public static func rules(of family: RuleID.Family) -> [RuleDefinition] {
        all.filter { $0.id.family == family }
    }

    /// The definition of rule `id`.
    public static func definition(_ id: RuleID) -> RuleDefinition {
        switch id {
        // KG1xx: the image and its IMS metadata.
        case .fullECSImage:
            return RuleDefinition(id: id, name: "full-ecs-image", severity: .error,
                                  summary: "Full-ECS images cannot be released.",
                                  detail: "Fires when __whole_image is true, the image carries a backup ID (IMS makes full-ECS images from CSBS/CBR backups) unless __whole_image is false, or the package holds data disk images.",
                                  remedy: "Make a system disk image from the ECS.")
        case .notSystemDisk:
            return RuleDefinition(id: id, name: "not-system-disk", severity: .error,
                                  summary: "The image is not an ECS system disk image.",
                                  detail: "Fires when virtual_env_type is not FusionCompute (data disk, bare metal or ISO images), the image is an ISO, or the guest disk has neither a partition table nor a filesystem.",
                                  remedy: "Make a system disk image from an ECS built on a public image.")
        case .sharedImage:
            return RuleDefinition(id: id, name: "shared-image", severity: .error,
                                  summary: "Shared images cannot be released.",
                                  detail: "Fires when __imagetype or visibility is shared, or the image's owner is not the seller's project (--owner). Owned by the seller, it was shared out by the seller: remove its share members. Owned by another project: build your own from a public image.",
                                  remedy: "Owner is the seller: remove the image's share members (IMS: delete image members). Owner is another project: build an ECS from a public image in your own account and make a private image from it.")
        case .encryptedImage:
            return RuleDefinition(id: id, name: "encrypted-image", severity: .error,
                                  summary: "Encrypted images cannot be released.",
                                  detail: "Fires when __system__cmkid is set, __system__encrypted (or __system_encrypted) is 1, or the header is encrypted (qcow2 AES or LUKS, a raw LUKS volume).",
                                  remedy: "Make an unencrypted copy.")
        case .releasedImage:
            return RuleDefinition(id: id, name: "released-image", severity: .error,
                                  summary: "The image was already released and is locked.",
                                  detail: "Fires when the release register lists the image ID, the sidecar says released: true, or a private image carries a product code whose ID was released.",
                                  remedy: "Buy it back from KooGallery, or release another image.")
        case .marketDerived:
            return RuleDefinition(id: id, name: "market-derived", severity: .error,
                                  summary: "The image was made from a KooGallery market image.",
                                  detail: "Fires when an image that is not itself released carries a __productcode, is of __imagetype market, or has a parent image (__originalimagename) that was released.",
                                  remedy: "Rebuild from a public image.")
        case .externalOrigin:
            return RuleDefinition(id: id, name: "external-origin", severity: .error,
                                  summary: "The image was made from an external image file.",
                                  detail: "Fires when __root_origin is file or __data_origin is file,<url>.",
                                  remedy: "Rebuild from a public image.")
        case .packageTooLarge:
            return RuleDefinition(id: id, name: "package-too-large", severity: .error,
                                  summary: "The image is larger than IMS imports.",
                                  detail: "Fires when the image is more than 128 GiB (137,438,953,472 bytes, the profile's max-package-bytes): judged on the larger of the local files' total and IMS's __image_size when both are known (KooGallery copies the IMS image itself, not the exported file); the evidence names both.",
                                  remedy: "Compress (qemu-img convert -c -O qcow2) or shrink the image.")
        case .packageNearLimit:
            return RuleDefinition(id: id, name: "package-near-limit", severity: .warning,
                                  summary: "The image's files are over 128 GB (decimal) but within 128 GiB.",
                                  detail: "Fires when the image's files total more than 128,000,000,000 bytes (near-limit-bytes) but not more than 128 GiB: the documented 128 GB limit may be decimal.",
                                  remedy: "Compress (qemu-img convert -c -O qcow2) to stay under 128,000,000,000 bytes.")
        case .regionNotAllowed:
            return RuleDefinition(id: id, name: "region-not-allowed", severity: .error,
                                  summary: "The image's region is not one KooGallery accepts images from.",
                                  detail: "Fires for each region named by --region (else the sidecar's region) or the release file that is not in the profile's allowed regions (by default AF-Johannesburg, AP-Bangkok, AP-Singapore, CN-Hong Kong, LA-Mexico City1, LA-Mexico City2, LA-Santiago, LA-Sao Paulo1).",
                                  remedy: "Copy the image to an allowed region.")
        case .regionUnknown:
            return RuleDefinition(id: id, name: "region-unknown", severity: .warning,
                                  summary: "No region is known for the image.",
                                  detail: "Fires when no region comes from the metadata sidecar, the release file or --region.",
                                  remedy: "Pass --region, or add \"region\" to the metadata sidecar.")
        case .notSelfContained:
            return RuleDefinition(id: id, name: "not-self-contained", severity: .error,
                                  summary: "The image depends on another file.",
                                  detail: "Fires when the header names a backing file, a parent (differencing VHD/VHDX/VDI, VMDK parentCID) or an external data file.",
                                  remedy: "Flatten it: qemu-img convert -O qcow2 IMAGE FLAT.qcow2.")
        case .formatNotAccepted:
            return RuleDefinition(id: id, name: "format-not-accepted", severity: .error,
                                  summary: "IMS does not import the image's format.",
                                  detail: "Fires when the header's format (or, without a header, the metadata's disk_format) is not in the profile's accepted formats (VHD, VMDK, QCOW2, RAW, VHDX, QED, VDI, QCOW, ZVHD, ZVHD2, ISO).",
                                  remedy: "Convert it: qemu-img convert -O qcow2 IMAGE IMAGE.qcow2.")
        case .headerDamaged:
            return RuleDefinition(id: id, name: "header-damaged", severity: .error,
                                  summary: "The image's header is damaged.",
                                  detail: "Fires when the header is marked corrupt or a checksum failed (qcow2 corrupt bit, VHD/VHDX checksums, a truncated file), or the image is dirty (qcow2 dirty bit and equivalents).",
                                  remedy: "Repair it (qemu-img check -r all) or export it again.")
        case .firmwareMismatch:
            return RuleDefinition(id: id, name: "firmware-mismatch", severity: .error,
                                  summary: "hw_firmware_type disagrees with the guest's boot partitions.",
                                  detail: "Fires when hw_firmware_type (absent means bios, as IMS's attribute table says) disagrees with the guest's boot partitions: a UEFI-only guest (GPT with an EFI system partition, no BIOS boot partition and no MBR boot code) under bios, or a BIOS-only guest under uefi; or when an ARM image (__support_arm true, architecture aarch64 or arm64) is not uefi. A guest with both boot paths, or none found, does not fire on its own.",
                                  remedy: "Set hw_firmware_type to the firmware the guest boots with.")
        case .minDiskTooSmall:
            return RuleDefinition(id: id, name: "min-disk-too-small", severity: .error,
                                  summary: "min_disk is smaller than the image's virtual size.",
                                  detail: "Fires when min_disk (GB, read as GiB) is below the image's virtual size: an ECS created with that disk could not hold the image.",
                                  remedy: "Set min_disk to at least the virtual size in GB.")
        case .releaseLocksImage:
            return RuleDefinition(id: id, name: "release-locks-image", severity: .note,
                                  summary: "Releasing the image locks it.",
                                  detail: "Fires on an image no other rule finds an error in, that is private in IMS (or has no metadata yet, and becomes a private image when imported): once released it gets the product's price attribute, cannot deploy a VM and cannot be released again.",
                                  remedy: "Keep a copy of the image for your own use before releasing it.")
        case .imageNotActive:
            return RuleDefinition(id: id, name: "image-not-active", severity: .error,
                                  summary: "The image is not active in IMS.",
                                  detail: "Fires when the metadata's status is present and not active (queued, saving, deleted, killed).",
                                  remedy: "Wait until IMS finishes making the image, or make it again.")
        case .backupOrigin:
            return RuleDefinition(id: id, name: "backup-origin", severity: .error,
                                  summary: "The image was made from a CSBS/CBR backup.",
                                  detail: "Fires on a system disk image (not already a full-ECS image, which KG101 reports) with a __backup_id or a __data_origin of server_backup,<id>.",
                                  remedy: "Make the image from the ECS itself.")
        case .marketNotSupported:
            return RuleDefinition(id: id, name: "market-not-supported", severity: .error,
                                  summary: "IMS does not allow this image to be published to KooGallery.",
                                  detail: "Fires when __system_support_market is false.",
                                  remedy: "Make a new private image from an ECS built on a public image that supports KooGallery.")
        case .diskSizeOutOfRange:
            return RuleDefinition(id: id, name: "disk-size-out-of-range", severity: .error,
                                  summary: "The system disk size is outside 40–1,024 GB.",
                                  detail: "Fires when the virtual size is over 1,024 GB (max-system-disk-gb), or min_disk is outside 40–1,024 (min-system-disk-gb to max-system-disk-gb).",
                                  remedy: "Resize the system disk (and min_disk) into 40–1,024 GB.")
        case .metadataMissing:
            return RuleDefinition(id: id, name: "metadata-missing", severity: .warning,
                                  summary: "The image is known only by its ID: nothing was judged.",
                                  detail: "Fires on an image known only by ID (a release.yaml specification image: {id: ...} with no metadata file and no IMS lookup): nothing was judged, so the verdict is \"unchecked\", never \"eligible\" (a warning: a bundle is still written; --strict fails it).",
                                  remedy: "Give its metadata (a sidecar, or --cloud to ask IMS).")
        case .notExportable:
            return RuleDefinition(id: id, name: "not-exportable", severity: .note,
                                  summary: "IMS cannot export the image: there will be no file to inspect.",
                                  detail: "Fires when the metadata says the image cannot be exported from IMS (platform Windows, SUSE, Red Hat, Oracle Linux; or made from a market image): there will be no file to inspect.",
                                  remedy: "Check the metadata from IMS and scan the ECS with koopack scan --root / before making the image.")
        // KG2xx: the release's documents and product details.
        case .eulaUnfilled:
            return RuleDefinition(id: id, name: "eula-unfilled", severity: .error,
                                  summary: "The EULA is not filled in.",
                                  detail: "Fires when the EULA has placeholders ([...], <...>, {{...}}, ___, XXX, TBD) or is not text.",
                                  remedy: "Fill in every placeholder of the EULA.")
        case .supportTimeZone:
            return RuleDefinition(id: id, name: "support-time-zone", severity: .error,
                                  summary: "The after-sales service time has no time zone.",
                                  detail: "Fires when the after-sales service time does not end with a time zone like (GMT+08:00).",
                                  remedy: "End the service time with its time zone, e.g. (GMT+08:00).")
        case .supportContact:
            return RuleDefinition(id: id, name: "support-contact", severity: .error,
                                  summary: "The after-sales support contact is incomplete.",
                                  detail: "Fires when there is no hotline, or no valid email.",
                                  remedy: "Give a hotline and a valid email address.")
        case .userGuideIncomplete:
            return RuleDefinition(id: id, name: "user-guide-incomplete", severity: .warning,
                                  summary: "The user guide may be incomplete.",
                                  detail: "Fires when the user guide names no port to open, or no way to log in.",
                                  remedy: "Say which ports to open and how to log in.")
        case .certificateMissing:
            return RuleDefinition(id: id, name: "certificate-missing", severity: .error,
                                  summary: "No software copyright certificate.",
                                  detail: "Fires when there is no software copyright certificate file.",
                                  remedy: "Add the software copyright certificate.")
        case .ossNoticeMissing:
            return RuleDefinition(id: id, name: "oss-notice-missing", severity: .warning,
                                  summary: "No open-source software notice.",
                                  detail: "Fires when there is no open-source software notice.",
                                  remedy: "Add an open-source software notice.")
        case .freeVCPUPricing:
            return RuleDefinition(id: id, name: "free-vcpu-pricing", severity: .error,
                                  summary: "A free image is priced by vCPUs.",
                                  detail: "Fires when a free image is priced by vCPUs.",
                                  remedy: "Choose a pricing mode that fits a free image.")
        case .productTextMissing:
            return RuleDefinition(id: id, name: "product-text-missing", severity: .error,
                                  summary: "Product text is missing.",
                                  detail: "Fires when the overview, description or highlights are empty.",
                                  remedy: "Write the overview, description and highlights.")
        case .seoMissing:
            return RuleDefinition(id: id, name: "seo-missing", severity: .note,
                                  summary: "No SEO information.",
                                  detail: "Fires when the product has no SEO information.",
                                  remedy: "Add SEO information.")
        case .hiddenProduct:
            return RuleDefinition(id: id, name: "hidden-product", severity: .note,
                                  summary: "The product is hidden.",
                                  detail: "Fires when Public Product is set to No: customers need the product URL.",
                                  remedy: nil)
        // KG3xx: the daily upload quota.
        case .quotaFiles:
            return RuleDefinition(id: id, name: "quota-files", severity: .error,
                                  summary: "A day's uploads would pass 100 files.",
                                  detail: "Fires when a day's uploads to the Seller Console would pass 100 files.",
                                  remedy: "Spread the uploads over more days.")
        case .quotaBytes:
            return RuleDefinition(id: id, name: "quota-bytes", severity: .error,
                                  summary: "A day's uploads would pass 10 GB.",
                                  detail: "Fires when a day's uploads would pass 10 GB (assumed 10,000,000,000 bytes, the stricter reading).",
                                  remedy: "Spread the uploads over more days.")
        case .fileOverDailyQuota:
            return RuleDefinition(id: id, name: "file-over-daily-quota", severity: .error,
                                  summary: "One file is larger than a whole day's quota.",
                                  detail: "Fires when a single file is larger than a whole day's upload quota.",
                                  remedy: "Split or shrink the file.")
        // KG4xx: the security scan of the guest's files.
        case .presetPassword:
            return RuleDefinition(id: id, name: "preset-password", severity: .error,
                                  summary: "An account has a preset password.",
                                  detail: "Fires when an account in /etc/shadow has a usable password hash (not *, !, !!, !* or starting with !).",
                                  remedy: "Lock it (passwd -l) and let cloud-init set the password at first boot.")
        case .emptyPassword:
            return RuleDefinition(id: id, name: "empty-password", severity: .error,
                                  summary: "An account has an empty password.",
                                  detail: "Fires when an account's password field is empty in /etc/shadow (or in /etc/passwd with no shadow entry).",
                                  remedy: "Lock it.")
        case .presetSSHKey:
            return RuleDefinition(id: id, name: "preset-ssh-key", severity: .error,
                                  summary: "An SSH authorized key is preset.",
                                  detail: "Fires on a non-empty authorized_keys or authorized_keys2 of root or of any home in /etc/passwd.",
                                  remedy: "Delete it: keys are injected at first boot.")
        case .privateKeyLeft:
            return RuleDefinition(id: id, name: "private-key-left", severity: .error,
                                  summary: "A private key was left in the image.",
                                  detail: "Fires on a private key file (-----BEGIN ... PRIVATE KEY-----, id_rsa, id_ed25519, ...) in root's or a user's home.",
                                  remedy: "Delete it.")
        case .sshHostKeysLeft:
            return RuleDefinition(id: id, name: "ssh-host-keys-left", severity: .warning,
                                  summary: "SSH host keys were left in the image.",
                                  detail: "Fires when /etc/ssh/ssh_host_*_key is present: every buyer's instance would share them.",
                                  remedy: "Delete them; they are regenerated at first boot.")
        case .shellHistoryLeft:
            return RuleDefinition(id: id, name: "shell-history-left", severity: .warning,
                                  summary: "Shell history was left in the image.",
                                  detail: "Fires on a non-empty .bash_history, .zsh_history, .ash_history, .python_history, .mysql_history or .viminfo in root's or a user's home.",
                                  remedy: "Clear them.")
        case .cloudInitMissing:
            return RuleDefinition(id: id, name: "cloud-init-missing", severity: .warning,
                                  summary: "cloud-init is not installed.",
                                  detail: "Fires on a Linux guest without cloud-init (no /usr/bin/cloud-init, no /etc/cloud/cloud.cfg).",
                                  remedy: "Install cloud-init: IMS injects passwords and keys through it.")
        case .cloudInitStateLeft:
            return RuleDefinition(id: id, name: "cloud-init-state-left", severity: .warning,
                                  summary: "cloud-init state was left in the image.",
                                  detail: "Fires when /var/lib/cloud/instances/ is not empty.",
                                  remedy: "Run cloud-init clean before making the image.")
        case .osMismatch:
            return RuleDefinition(id: id, name: "os-mismatch", severity: .warning,
                                  summary: "The guest's OS disagrees with the metadata.",
                                  detail: "Fires when /etc/os-release disagrees with __os_version or __platform.",
                                  remedy: "Fix the metadata.")
        case .scanNotDone:
            return RuleDefinition(id: id, name: "scan-not-done", severity: .note,
                                  summary: "The root filesystem could not be scanned.",
                                  detail: "Fires when the root filesystem is not one koopack reads (NTFS, btrfs, encrypted, not found).",
                                  remedy: "Scan it by other means.")
        case .cloudCredentialsLeft:
            return RuleDefinition(id: id, name: "cloud-credentials-left", severity: .error,
                                  summary: "Cloud or service credentials were left in the image.",
                                  detail: "Fires on access keys or passwords for cloud and services in root's or any home: Huawei Cloud AK/SK in KooCLI's ~/.hcloud/config.json or obsutil's ~/.obsutilconfig, ~/.s3cfg, ~/.aws/credentials, ~/.config/rclone/rclone.conf, a .netrc with password, .git-credentials, ~/.docker/config.json with an auth, a kubeconfig with token/client-key-data, .pgpass, .my.cnf with password; and HUAWEICLOUD_SDK_SK/OBS_SECRET_ACCESS_KEY-style assignments in /etc/environment or shell profiles. The value is never printed: file, line and key name only.",
                                  remedy: "Delete them; use an IAM agency on the ECS instead of keys.")
        case .machineIDBaked:
            return RuleDefinition(id: id, name: "machine-id-baked", severity: .warning,
                                  summary: "The machine ID is baked into the image.",
                                  detail: "Fires when /etc/machine-id (or /var/lib/dbus/machine-id) holds an ID: every buyer's instance would share it (DHCP client IDs, journald).",
                                  remedy: "Empty the file (truncate -s 0 /etc/machine-id); systemd makes a new one at first boot.")
        case .networkPinned:
            return RuleDefinition(id: id, name: "network-pinned", severity: .warning,
                                  summary: "A network interface is pinned to this ECS.",
                                  detail: "Fires on a NIC pinned to this ECS: udev persistent net rules with ATTR{address} (70-persistent-net.rules), HWADDR/MACADDR in ifcfg files, macaddress in netplan, mac-address in NetworkManager connections; or a static address where IMS needs DHCP (ifcfg BOOTPROTO=static/none with IPADDR, netplan addresses without dhcp4, iface ... inet static).",
                                  remedy: "Delete the rule files and MAC lines; use DHCP.")
        case .bootReferenceMissing:
            return RuleDefinition(id: id, name: "boot-reference-missing", severity: .error,
                                  summary: "The boot configuration names a filesystem the image does not have.",
                                  detail: "Fires when an /etc/fstab line (without noauto/nofail) or the kernel's root= in GRUB's grub.cfg or a BLS entry names a UUID=/LABEL=/PARTUUID= that no filesystem or partition in this image has: the buyer's ECS would stop in emergency mode; a warning for a bare device name (/dev/sdX, /dev/xvdX) that need not exist on an ECS.",
                                  remedy: "Refer to the filesystems by UUID as they are in the image.")
        case .osEndOfLife:
            return RuleDefinition(id: id, name: "os-end-of-life", severity: .warning,
                                  summary: "The guest's OS release is past its end of life.",
                                  detail: "Fires when /etc/os-release's distribution and version are past their end of life today (Debian and Ubuntu from distro-info-data's tables; CentOS, RHEL, Rocky, AlmaLinux, openEuler, EulerOS from their vendors' published lifecycles, each cited).",
                                  remedy: "Rebuild on a supported release.")
        case .privateKeyInSystem:
            return RuleDefinition(id: id, name: "private-key-in-system", severity: .error,
                                  summary: "A private key was left where a service keeps one.",
                                  detail: "Fires on a private key (PEM PRIVATE KEY block, OpenSSH private key) outside the homes, in the usual places a service keeps one: /etc/ssl/private, /etc/pki/tls/private, /etc/nginx, /etc/apache2, /etc/httpd, /opt, /srv, /var/www (bounded: files up to 1 MiB, at most 20,000 files looked at), excluding the SSH host keys (KG405).",
                                  remedy: "Delete it; issue keys at first boot.")
        case .logsLeft:
            return RuleDefinition(id: id, name: "logs-left", severity: .warning,
                                  summary: "Login records and logs that identify the seller were left in the image.",
                                  detail: "Fires on login records and logs that identify the seller: a non-empty /var/log/wtmp, /var/log/btmp, /var/log/lastlog with entries, auth.log/secure, or /var/log/journal.",
                                  remedy: "Clear them before making the image.")
        }
    }
}
