// swift-tools-version:6.0
import PackageDescription

/// How the release binary is linked so that it starts fast (see Benchmarks/README.md): zlib,
/// libzstd and SQLite linked statically, so the dynamic loader neither opens them nor relocates
/// them at every start (`make build` also stops the Swift modules asking for the shared ones,
/// with -disable-autolink-library); and no exported symbols, since the Swift runtime's start-up
/// looks its own path up with dladdr, which scans every exported symbol (15,000 of them).
let releaseStartUp: [LinkerSetting] = [
    .unsafeFlags(["-Xlinker", "-l:libsqlite3.a", "-Xlinker", "-l:libzstd.a", "-Xlinker", "-l:libz.a",
                  "-Xlinker", "--no-export-dynamic"],
                 .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "koopack",
    products: [
        .executable(name: "koopack", targets: ["koopack"]),
        .library(name: "Findings", targets: ["Findings"]),
        .library(name: "DiskImage", targets: ["DiskImage"]),
        .library(name: "GuestFilesystem", targets: ["GuestFilesystem"]),
        .library(name: "ImagePackage", targets: ["ImagePackage"]),
        .library(name: "ReleasePolicy", targets: ["ReleasePolicy"]),
        .library(name: "ReleaseBundle", targets: ["ReleaseBundle"]),
        .library(name: "GuestScan", targets: ["GuestScan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries: module maps over Debian's -dev packages. zlib, libzstd and SQLite take
        // their headers from /usr/include and no pkg-config link flags (those would bring in the
        // shared libraries even in release, where koopack links the static ones: see
        // `releaseStartUp` above).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        // libarchive's headers; the library itself is loaded on first use (see LibArchive.swift),
        // so no pkg-config link flags: linking it would cost every run 1.4 ms of start-up.
        .systemLibrary(name: "CArchive", path: "Sources/CArchive",
                       providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // koopack's modules in layer order (Sources/README.md): each depends only on modules
        // above it.
        .target(name: "Findings"),
        // CRC-32C with the processor's crc32 instruction (VHDX checksums), which Swift cannot emit.
        .target(name: "CCRC32C"),
        .target(name: "DiskImage", dependencies: ["Findings", "CZlib", "CZstd", "CCRC32C"]),
        // mallopt, which Swift's Glibc module does not reach (see ProcessMemory.swift).
        .target(name: "CHeap"),
        .target(name: "GuestFilesystem", dependencies: ["DiskImage"]),
        // libcurl behind dlopen, with non-variadic wrappers Swift can call (see CCurlShim.h):
        // built against libcurl's headers, loaded only by commands that go on the network.
        .target(name: "CCurlShim", path: "Sources/CCurlShim"),
        .target(name: "CloudAPI", dependencies: ["Findings", "DiskImage", "CCurlShim", .product(name: "Crypto", package: "swift-crypto")]),
        // Reads images by URL through CloudAPI's range source.
        .target(name: "ImagePackage", dependencies: ["DiskImage", "CArchive", "CloudAPI"]),
        .target(name: "GuestScan", dependencies: ["Findings", "DiskImage", "GuestFilesystem", "ImagePackage", "CSQLite",
                                             .product(name: "Yams", package: "Yams")]),
        .target(
            name: "QuotaLedger",
            dependencies: [
                "Findings",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .target(
            name: "ReleasePolicy",
            dependencies: [
                "Findings",
                "DiskImage",
                "ImagePackage",
                "GuestScan",
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "ReleaseBundle",
            dependencies: [
                "Findings",
                "DiskImage",
                "ImagePackage",
                "QuotaLedger",
                "ReleasePolicy",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "koopack",
            dependencies: [
                "Findings",
                "DiskImage",
                "ImagePackage",
                "GuestScan",
                "QuotaLedger",
                "ReleasePolicy",
                "ReleaseBundle",
                "CloudAPI",
                "CHeap",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: releaseStartUp),
        // The process runner, scratch folder and qemu-img every test target shares.
        .target(name: "KoopackTestSupport", path: "Tests/KoopackTestSupport"),
        .testTarget(name: "FindingsTests", dependencies: ["Findings"]),
        .testTarget(name: "DiskImageTests", dependencies: ["DiskImage", "KoopackTestSupport"]),
        .testTarget(name: "GuestFilesystemTests", dependencies: ["GuestFilesystem", "DiskImage", "KoopackTestSupport"]),
        .testTarget(name: "ImagePackageTests", dependencies: ["DiskImage", "ImagePackage", "KoopackTestSupport"]),
        .testTarget(name: "GuestScanTests", dependencies: ["Findings", "GuestScan", "GuestFilesystem", "DiskImage", "ImagePackage", "KoopackTestSupport"],
                    resources: [.copy("validate-cyclonedx.py"), .copy("validate-spdx.py")]),
        .testTarget(name: "QuotaLedgerTests", dependencies: ["Findings", "QuotaLedger", "ReleaseBundle", "KoopackTestSupport"]),
        .testTarget(name: "ReleasePolicyTests", dependencies: ["Findings", "DiskImage", "ImagePackage", "ReleasePolicy", "KoopackTestSupport"]),
        .testTarget(name: "ReleaseBundleTests", dependencies: ["Findings", "DiskImage", "ImagePackage", "QuotaLedger", "ReleasePolicy", "ReleaseBundle", "KoopackTestSupport"]),
        .testTarget(name: "CloudAPITests", dependencies: ["CloudAPI", "DiskImage", "KoopackTestSupport"]),
        // Depends on the executable so that the binary it runs is always the one just built.
        .testTarget(name: "koopackTests", dependencies: ["koopack", "Findings", "DiskImage", "ImagePackage", "ReleasePolicy", "KoopackTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
