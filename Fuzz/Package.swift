// swift-tools-version:6.0
// libFuzzer targets for koopack's parsers: one executable per parser, each feeding the fuzzer's
// bytes through the entry point the command line uses. Built and run by `make fuzz` (see
// README.md); the sanitizer flags come from the command line so every module is instrumented.
import PackageDescription

/// The fuzz targets and the koopack modules each one needs.
let targets: [(name: String, products: [String])] = [
    ("probe-inspect", ["DiskImage"]),
    ("qcow2", ["DiskImage"]),
    ("qcow", ["DiskImage"]),
    ("qed", ["DiskImage"]),
    ("vmdk-sparse", ["DiskImage"]),
    ("vmdk-descriptor", ["DiskImage"]),
    ("vhd", ["DiskImage"]),
    ("vhdx", ["DiskImage"]),
    ("vdi", ["DiskImage"]),
    ("luks", ["DiskImage"]),
    ("parallels", ["DiskImage"]),
    ("iso", ["DiskImage"]),
    ("guest-reader", ["DiskImage"]),
    ("guest-view", ["DiskImage"]),
    ("json", ["DiskImage"]),
    ("ims-metadata", ["DiskImage", "ImagePackage"]),
    ("archive-list", ["DiskImage", "ImagePackage"]),
    ("release-yaml", ["DiskImage", "ReleaseBundle"]),
    ("pdf-text", ["DiskImage", "ReleaseBundle"]),
    ("docx-xml", ["DiskImage", "ReleaseBundle"]),
    ("policy-yaml", ["DiskImage", "ReleasePolicy"]),
    ("audit-account", ["DiskImage", "ReleasePolicy"]),
    ("ext4", ["DiskImage", "GuestFilesystem"]),
    ("xfs", ["DiskImage", "GuestFilesystem"]),
    ("vfat", ["DiskImage", "GuestFilesystem"]),
    ("lvm2", ["DiskImage", "GuestFilesystem"]),
    ("hcloud-config", ["DiskImage", "GuestScan"]),
    ("ini-credentials", ["DiskImage", "GuestScan"]),
    ("netrc", ["DiskImage", "GuestScan"]),
    ("git-credentials", ["DiskImage", "GuestScan"]),
    ("docker-config", ["DiskImage", "GuestScan"]),
    ("kubeconfig", ["DiskImage", "GuestScan"]),
    ("pgpass", ["DiskImage", "GuestScan"]),
    ("env-assignments", ["DiskImage", "GuestScan"]),
    ("ifcfg", ["DiskImage", "GuestScan"]),
    ("netplan", ["DiskImage", "GuestScan"]),
    ("nm-keyfile", ["DiskImage", "GuestScan"]),
    ("debian-interfaces", ["DiskImage", "GuestScan"]),
    ("udev-rules", ["DiskImage", "GuestScan"]),
    ("fstab", ["DiskImage", "GuestScan"]),
    ("systemd-mount", ["DiskImage", "GuestScan"]),
    ("grub-cfg", ["DiskImage", "GuestScan"]),
    ("bls-entry", ["DiskImage", "GuestScan"]),
    ("login-records", ["DiskImage", "GuestScan"]),
    ("machine-id", ["DiskImage", "GuestScan"]),
    ("private-key", ["DiskImage", "GuestScan"]),
    ("os-release", ["DiskImage", "GuestScan"]),
    ("rpm-header", ["DiskImage", "GuestScan"]),
    ("dpkg-status", ["DiskImage", "GuestScan"]),
    ("accounts", ["DiskImage", "GuestScan"]),
    ("ssh-keys", ["DiskImage", "GuestScan"]),
    ("image-identities", ["DiskImage", "GuestScan"]),
    ("bundle-manifest", ["DiskImage", "ReleaseBundle"]),
    ("filesystem-identity", ["DiskImage"]),
    ("ext4-journal", ["DiskImage", "GuestFilesystem"]),
    ("xfs-log", ["DiskImage", "GuestFilesystem"]),
    ("guest-scan", ["DiskImage", "GuestScan"]),
    ("zvhd", ["DiskImage"]),
    ("zvhd2", ["DiskImage"]),
    ("zvhd-footer", ["DiskImage"]),
    ("zvhd2-bitmap", ["DiskImage"]),
    ("zvhd2-index", ["DiskImage"]),
]

let package = Package(
    name: "koopack-fuzz",
    dependencies: [.package(name: "koopack", path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: [
            "CFuzzer",
            .product(name: "DiskImage", package: "koopack"),
            .product(name: "GuestFilesystem", package: "koopack"),
        ]),
    ] + targets.map { target in
        .executableTarget(
            name: target.name,
            dependencies: ["FuzzSupport"] + target.products.map { .product(name: $0, package: "koopack") },
            path: "Sources/\(target.name)")
    },
    swiftLanguageModes: [.v6]
)
