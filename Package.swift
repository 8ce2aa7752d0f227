// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "koopack",
    products: [
        .executable(name: "koopack", targets: ["koopack"]),
        .library(name: "DiskImage", targets: ["DiskImage"]),
        .library(name: "ImagePackage", targets: ["ImagePackage"]),
        .library(name: "ReleasePolicy", targets: ["ReleasePolicy"]),
        .library(name: "ReleaseBundle", targets: ["ReleaseBundle"]),
        .library(name: "GuestFilesystem", targets: ["GuestFilesystem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .target(name: "DiskImage", dependencies: ["CZlib", "CZstd"]),
        .target(name: "GuestFilesystem", dependencies: ["DiskImage"]),
        // libarchive's headers; the library itself is loaded on first use (see LibArchive.swift),
        // so no pkg-config link flags: linking it would cost every run 1.4 ms of start-up.
        .systemLibrary(name: "CArchive", path: "Sources/CArchive",
                       providers: [.apt(["libarchive-dev"])]),
        .target(name: "ImagePackage", dependencies: ["DiskImage", "CArchive"]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "ReleasePolicy",
            dependencies: [
                "DiskImage",
                "ImagePackage",
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(name: "GuestScan", dependencies: ["DiskImage", "GuestFilesystem", "ImagePackage", "ReleasePolicy", "CSQLite"]),
        .target(
            name: "QuotaLedger",
            dependencies: [
                "ReleasePolicy",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .target(
            name: "ReleaseBundle",
            dependencies: [
                "DiskImage",
                "ImagePackage",
                "ReleasePolicy",
                "QuotaLedger",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "koopack",
            dependencies: [
                "DiskImage",
                "ImagePackage",
                "ReleasePolicy",
                "ReleaseBundle",
                "QuotaLedger",
                "GuestScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The process runner, scratch folder and qemu-img every test target shares.
        .target(name: "KoopackTestSupport", path: "Tests/KoopackTestSupport"),
        .testTarget(name: "DiskImageTests", dependencies: ["DiskImage", "KoopackTestSupport"]),
        .testTarget(name: "GuestFilesystemTests", dependencies: ["GuestFilesystem", "DiskImage", "KoopackTestSupport"]),
        .testTarget(name: "GuestScanTests", dependencies: ["GuestScan", "GuestFilesystem", "DiskImage", "ImagePackage", "ReleasePolicy", "KoopackTestSupport"],
                    resources: [.copy("validate-cyclonedx.py"), .copy("validate-spdx.py")]),
        // Depends on the executable so that the binary it runs is always the one just built.
        .testTarget(name: "koopackTests", dependencies: ["koopack", "DiskImage", "ImagePackage", "ReleasePolicy", "KoopackTestSupport"]),
        .testTarget(name: "ImagePackageTests", dependencies: ["DiskImage", "ImagePackage", "KoopackTestSupport"]),
        .testTarget(name: "QuotaLedgerTests", dependencies: ["QuotaLedger", "ReleasePolicy", "KoopackTestSupport"]),
        .testTarget(name: "ReleasePolicyTests", dependencies: ["DiskImage", "ImagePackage", "ReleasePolicy", "KoopackTestSupport"]),
        .testTarget(name: "ReleaseBundleTests", dependencies: ["DiskImage", "ImagePackage", "ReleasePolicy", "QuotaLedger", "ReleaseBundle", "KoopackTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
