// swift-tools-version:6.0
import PackageDescription

// The interpreter's hot loops are checked by hand where it matters (integer overflow is detected with
// `addingReportingOverflow`, indexes are bounds-checked before use), so release builds drop Swift's
// redundant exclusivity checks, which otherwise cost a runtime call on every value-stack access.
let fastRelease: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

// The release binary links the Swift runtime and Foundation into itself: resolving their symbols across shared
// libraries at every start cost more than a one-line run's work (`platflow run` of `print("hi")` spent over
// half its instructions in the dynamic loader). The executable's own sources need the flag too, so their
// imports name the static libraries. Debug builds and tests stay dynamic (faster to link).
// libstdc++ (which the Swift runtime and ICU use) is linked in statically too: the shared one cost about 1.8 M
// instructions of symbol binding at every start. The toolchain's static link arguments ask for `-lstdc++`, and
// link/static-libstdc++ holds a `libstdc++.so` that redirects that name to libstdc++.a.
// Those arguments also export every symbol of the executable's own code to the dynamic symbol table (8,800 of
// them); nothing looks them up (the runtime finds types and conformances through its metadata sections), and
// the Swift runtime's start-up `dladdr` walks that whole table: `--no-export-dynamic` (given after them, so it
// wins) saves 0.3 M instructions and 0.13 ms of CPU a start.
let packageDirectory = String(#filePath.dropLast("Package.swift".count))
let staticRuntime: [SwiftSetting] = [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
let staticRuntimeLink: [LinkerSetting] = [
    .unsafeFlags(["-static-stdlib", "-L", packageDirectory + "link/static-libstdc++", "-Xlinker", "--no-export-dynamic"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "platflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "platflow", targets: ["platflow"]),
        .library(name: "PlatLang", targets: ["PlatLang"]),
        .library(name: "PlatEngine", targets: ["PlatEngine"]),
    ],
    targets: [
        // The system SQLite library (apt: libsqlite3-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "PlatLang", swiftSettings: fastRelease),
        // Process-wide SQLite settings made before the first connection (C, because sqlite3_config is variadic).
        .target(name: "CSQLiteSetup", dependencies: ["CSQLite"]),
        .target(name: "PlatStore", dependencies: ["CSQLite", "CSQLiteSetup"]),
        // HTTP requests (the `notify` effect) through the system's libcurl, loaded at the first request.
        .target(name: "CHTTPPost", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "PlatEngine", dependencies: ["PlatLang", "PlatStore", "CHTTPPost"]),
        // The job platform: hosts and transports, scripts on hosts in rolling batches, file distribution.
        // SHA-256's compression with the x86 SHA instructions (C, because Swift cannot name them).
        .target(name: "CSHA256"),
        .target(name: "PlatJobs", dependencies: ["PlatEngine", "PlatLang", "PlatStore", "CSHA256"]),
        // The CMDB: hosts, topology, models, queries, import/export, change events.
        .target(name: "PlatCMDB", dependencies: ["PlatEngine", "PlatLang", "PlatStore"]),
        // Releases: artifacts by digest, stages from versions, gates, acceptance and promotion. Uses the job
        // platform's SHA-256 (and, for deploys, its transports).
        .target(name: "PlatRelease", dependencies: ["PlatEngine", "PlatLang", "PlatStore", "PlatJobs"]),
        // The API gateway: gateways, stages, resources, immutable versions, releases; nginx as the data plane.
        // Asks Release's gates before a production publish.
        .target(name: "PlatGateway", dependencies: ["PlatEngine", "PlatLang", "PlatStore", "PlatRelease", "PlatJobs"]),
        // The container platform: podman nodes (local storage roots or SSH hosts), charts rendered to Kubernetes
        // manifests, installs with numbered revisions, rolling upgrades, images and a registry, kubectl clusters.
        .target(name: "PlatContainers", dependencies: ["PlatEngine", "PlatLang", "PlatStore", "PlatJobs"]),
        .executableTarget(name: "platflow", dependencies: ["PlatLang", "PlatEngine", "PlatStore", "PlatJobs", "PlatCMDB", "PlatRelease", "PlatGateway", "PlatContainers"],
                          swiftSettings: staticRuntime, linkerSettings: staticRuntimeLink),
        // Benchmarks of the engine against raw SQLite (bench/journal.sh runs them in release).
        .executableTarget(name: "platflow-bench", dependencies: ["PlatEngine", "PlatStore", "PlatLang", "PlatJobs", "PlatCMDB", "CSQLite"]),
        // What several test targets share (a seeded random generator, a real sshd on loopback); never linked into
        // the product.
        .target(name: "PlatTestKit", dependencies: ["PlatEngine", "PlatJobs"], path: "Tests/PlatTestKit"),
        .testTarget(name: "PlatLangTests", dependencies: ["PlatLang", "PlatTestKit"], exclude: ["Cases", "YAMLCorpus"]),
        .testTarget(name: "PlatStoreTests", dependencies: ["PlatStore"]),
        .testTarget(name: "PlatEngineTests", dependencies: ["PlatEngine", "PlatLang", "PlatStore", "PlatTestKit"]),
        .testTarget(name: "PlatJobsTests", dependencies: ["PlatJobs", "PlatEngine", "PlatLang", "PlatStore", "PlatTestKit"]),
        .testTarget(name: "PlatCMDBTests", dependencies: ["PlatCMDB", "PlatEngine", "PlatLang", "PlatStore", "PlatTestKit"], exclude: ["Fixtures"]),
        .testTarget(name: "PlatReleaseTests", dependencies: ["PlatRelease", "PlatEngine", "PlatLang", "PlatStore", "PlatJobs"]),
        .testTarget(name: "PlatGatewayTests", dependencies: ["PlatGateway", "PlatEngine", "PlatLang", "PlatStore", "PlatRelease", "PlatJobs", "PlatTestKit"], exclude: ["Golden"]),
        .testTarget(name: "PlatContainersTests", dependencies: ["PlatContainers", "PlatEngine", "PlatLang", "PlatStore", "PlatJobs", "PlatTestKit"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["platflow", "PlatLang", "PlatTestKit"]),
    ],
    swiftLanguageModes: [.v5]
)
