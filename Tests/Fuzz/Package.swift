// swift-tools-version: 6.0
// FlowStudio's libFuzzer targets: one executable per file reader, each exporting
// `LLVMFuzzerTestOneInput`. Built with `-sanitize=fuzzer,address` by `run.sh` (which also runs
// them); a package of its own so that the sanitizer flags never reach the main build.
import PackageDescription

/// Each target, the reader it drives, and the root library products it needs.
let targets: [(name: String, products: [String])] = [
    ("FuzzSafeTensorsHeader", ["FlowCore"]),
    ("FuzzDemoModelDescription", ["FlowCore", "DemoModelFormat"]),
    ("FuzzDiffusersConfig", ["MMDiT"]),
    ("FuzzPNGParameters", ["Imaging", "Generation"]),
    ("FuzzFavorites", ["Studio"]),
    ("FuzzTheme", ["Studio"]),
    ("FuzzCLIPVocabMerges", ["TextEncoders"]),
    ("FuzzTokenizerJSON", ["TextEncoders"]),
    ("FuzzT5SentencePiece", ["TextEncoders"]),
    ("FuzzSD3Configs", ["TextEncoders", "VAE"]),
    ("FuzzShardedIndex", ["FlowCore"]),
    ("FuzzGGUF", ["FlowCore"]),
    ("FuzzSD3Folder", ["Generation"]),
    ("FuzzSD3Checkpoint", ["FlowCore", "Generation", "VAE"]),
    ("FuzzRecentModels", ["Studio"]),
    ("FuzzCLIPTokenizerFolder", ["TextEncoders"]),
    ("FuzzPromptText", ["TextEncoders", "Studio"]),
]

let package = Package(
    name: "FlowStudioFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "FlowStudio", path: "../..")],
    targets: [
        // libFuzzer's driver entry (`LLVMFuzzerRunDriver`), declared for Swift.
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        // The driver call every target's main makes, and scratch files for readers that take a URL.
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"], path: "Sources/FuzzSupport"),
    ] + targets.map { target in
        .executableTarget(
            name: target.name,
            dependencies: ["FuzzSupport"] + target.products.map { .product(name: $0, package: "FlowStudio") },
            path: "Sources/\(target.name)",
            // No top-level code: each target's `<Target>_main` (SwiftPM's entry point name on
            // Linux) hands over to libFuzzer, which calls `LLVMFuzzerTestOneInput`.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
