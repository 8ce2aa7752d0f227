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
        .library(name: "GuestScan", targets: ["GuestScan"]),
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
        .target(
            name: "GuestScan",
            dependencies: [
                "DiskImage", "GuestFilesystem", "ImagePackage", "ReleasePolicy", "CSQLite",
                .product(name: "Yams", package: "Yams"),
            ]),
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
        .testTarget(name: "DiskImageTests", dependencies: ["DiskImage"]),
        .testTarget(name: "GuestFilesystemTests", dependencies: ["GuestFilesystem", "DiskImage"]),
        .testTarget(name: "GuestScanTests", dependencies: ["GuestScan", "GuestFilesystem", "DiskImage", "ImagePackage", "ReleasePolicy"],
                    resources: [.copy("validate-cyclonedx.py"), .copy("validate-spdx.py")]),
        .testTarget(name: "koopackTests", dependencies: ["DiskImage"]),
        .testTarget(name: "ImagePackageTests", dependencies: ["DiskImage", "ImagePackage"]),
        .testTarget(name: "QuotaLedgerTests", dependencies: ["QuotaLedger", "ReleasePolicy"]),
        .testTarget(name: "ReleasePolicyTests", dependencies: ["DiskImage", "ImagePackage", "ReleasePolicy"]),
        .testTarget(name: "ReleaseBundleTests", dependencies: ["DiskImage", "ImagePackage", "ReleasePolicy", "ReleaseBundle"]),
    ],
    swiftLanguageModes: [.v6]
)
