/// End-of-life dates the Red Hat family and openEuler publish, for KG415, each with the page it
/// comes from. The date that counts is the end of the free (or subscribed, for RHEL) maintenance
/// updates, not of paid extended support (RHEL's ELS), as for Ubuntu's ESM. Releases whose date
/// koopack could not confirm from the vendor are left out, so they are judged unknown rather
/// than wrongly: RHEL 10, CentOS Stream 10, and every EulerOS release.
extension OSLifecycles {
    /// One release and where its date is published.
    typealias VendorRelease = (release: DistroRelease, source: String)

    private static func entry(_ version: String, _ name: String, _ date: LifecycleDate, _ source: String) -> VendorRelease {
        (DistroRelease(version: version, series: name, endOfLife: date), source)
    }

    /// Red Hat Enterprise Linux: the end of the Maintenance Support (2) Phase.
    static let redHatSource = "https://access.redhat.com/support/policy/updates/errata"
    static let redHat: [VendorRelease] = [
        entry("5", "5", LifecycleDate(2017, 3, 31), redHatSource),  // https://access.redhat.com/support/policy/updates/errata
        entry("6", "6", LifecycleDate(2020, 11, 30), redHatSource),  // https://access.redhat.com/support/policy/updates/errata
        entry("7", "7", LifecycleDate(2024, 6, 30), redHatSource),  // https://access.redhat.com/support/policy/updates/errata
        entry("8", "8", LifecycleDate(2029, 5, 31), redHatSource),  // https://access.redhat.com/support/policy/updates/errata
        entry("9", "9", LifecycleDate(2032, 5, 31), redHatSource),  // https://access.redhat.com/support/policy/updates/errata
    ]

    /// CentOS Linux: the end of maintenance updates.
    static let centOSSource = "https://wiki.centos.org/About/Product"
    static let centOS: [VendorRelease] = [
        entry("5", "5", LifecycleDate(2017, 3, 31), centOSSource),  // https://wiki.centos.org/About/Product
        entry("6", "6", LifecycleDate(2020, 11, 30), centOSSource),  // https://wiki.centos.org/About/Product
        entry("7", "7", LifecycleDate(2024, 6, 30), centOSSource),  // https://wiki.centos.org/About/Product
        entry("8", "8", LifecycleDate(2021, 12, 31), centOSSource),  // https://wiki.centos.org/About/Product
    ]

    /// CentOS Stream: the end of its RHEL release's Full Support Phase.
    static let centOSStreamSource = "https://www.centos.org/centos-stream/"
    static let centOSStream: [VendorRelease] = [
        entry("8", "8", LifecycleDate(2024, 5, 31), centOSStreamSource),  // https://www.centos.org/centos-stream/
        entry("9", "9", LifecycleDate(2027, 5, 31), centOSStreamSource),  // https://www.centos.org/centos-stream/
    ]

    /// Rocky Linux: "End of Life" of the version table.
    static let rockySource = "https://wiki.rockylinux.org/rocky/version/"
    static let rocky: [VendorRelease] = [
        entry("8", "8", LifecycleDate(2029, 5, 31), rockySource),  // https://wiki.rockylinux.org/rocky/version/
        entry("9", "9", LifecycleDate(2032, 5, 31), rockySource),  // https://wiki.rockylinux.org/rocky/version/
    ]

    /// AlmaLinux OS: the end of security support.
    static let almaLinuxSource = "https://wiki.almalinux.org/release-notes/"
    static let almaLinux: [VendorRelease] = [
        entry("8", "8", LifecycleDate(2029, 3, 1), almaLinuxSource),  // https://wiki.almalinux.org/release-notes/
        entry("9", "9", LifecycleDate(2032, 5, 31), almaLinuxSource),  // https://wiki.almalinux.org/release-notes/
        entry("10", "10", LifecycleDate(2035, 5, 31), almaLinuxSource),  // https://wiki.almalinux.org/release-notes/
    ]

    /// openEuler: each LTS service pack and innovation release has its own "Planned EOL" month
    /// in the download archive's table (the last day of that month); innovation releases before
    /// the table's start are six months from release, as the lifecycle policy gives them.
    static let openEulerSource = "https://www.openeuler.org/en/download/archive/"
    static let openEulerPolicy = "https://www.openeuler.org/en/other/lifecycle/"
    static let openEuler: [VendorRelease] = [
        entry("20.03", "20.03 LTS", LifecycleDate(2021, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("20.03", "20.03 LTS SP1", LifecycleDate(2022, 12, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("20.03", "20.03 LTS SP2", LifecycleDate(2022, 4, 30), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("20.03", "20.03 LTS SP3", LifecycleDate(2023, 12, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("20.03", "20.03 LTS SP4", LifecycleDate(2025, 11, 30), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("20.09", "20.09", LifecycleDate(2021, 3, 31), openEulerPolicy),  // https://www.openeuler.org/en/other/lifecycle/ (six months)
        entry("21.03", "21.03", LifecycleDate(2021, 9, 30), openEulerPolicy),  // https://www.openeuler.org/en/other/lifecycle/ (six months)
        entry("21.09", "21.09", LifecycleDate(2022, 3, 31), openEulerPolicy),  // https://www.openeuler.org/en/other/lifecycle/ (six months)
        entry("22.03", "22.03 LTS", LifecycleDate(2024, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("22.03", "22.03 LTS SP1", LifecycleDate(2024, 12, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("22.03", "22.03 LTS SP2", LifecycleDate(2024, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("22.03", "22.03 LTS SP3", LifecycleDate(2025, 12, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("22.03", "22.03 LTS SP4", LifecycleDate(2026, 6, 30), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("22.09", "22.09", LifecycleDate(2023, 3, 31), openEulerPolicy),  // https://www.openeuler.org/en/other/lifecycle/ (six months)
        entry("23.03", "23.03", LifecycleDate(2023, 9, 30), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("23.09", "23.09", LifecycleDate(2024, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("24.03", "24.03 LTS", LifecycleDate(2026, 5, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("24.03", "24.03 LTS SP1", LifecycleDate(2026, 12, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("24.03", "24.03 LTS SP2", LifecycleDate(2026, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("24.03", "24.03 LTS SP3", LifecycleDate(2027, 12, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("24.03", "24.03 LTS SP4", LifecycleDate(2027, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("24.09", "24.09", LifecycleDate(2025, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("25.03", "25.03", LifecycleDate(2025, 9, 30), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("25.09", "25.09", LifecycleDate(2026, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
        entry("26.09", "26.09", LifecycleDate(2027, 3, 31), openEulerSource),  // https://www.openeuler.org/en/download/archive/
    ]
}
