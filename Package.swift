// swift-tools-version:6.0
import PackageDescription

// The interpreter's hot loops are checked by hand where it matters (integer overflow is detected with
// `addingReportingOverflow`, indexes are bounds-checked before use), so release builds drop Swift's
// redundant exclusivity checks, which otherwise cost a runtime call on every value-stack access.
let fastRelease: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "platflow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "platflow", targets: ["platflow"]),
        .library(name: "PlatLang", targets: ["PlatLang"]),
    ],
    targets: [
        .target(name: "PlatLang", swiftSettings: fastRelease),
        .executableTarget(name: "platflow", dependencies: ["PlatLang"]),
        .testTarget(name: "PlatLangTests", dependencies: ["PlatLang"], exclude: ["Cases"]),
        .testTarget(name: "CLITests", dependencies: []),
    ],
    swiftLanguageModes: [.v5]
)
