// swift-tools-version: 6.0
// FlowStudio: a terminal studio for rectified-flow MM-DiT text-to-image models (SD3 family).
import PackageDescription

/// The numeric targets are compiled for Haswell-level x86-64 (AVX2 + FMA: every x86 CPU since 2013–2015)
/// so that their loops (softmax, GELU, norms, the optimiser) vectorise 8 wide; Swift's default
/// is SSE2. Matrix products run in OpenBLAS, which picks its kernels at run time.
#if arch(x86_64)
let vectorISA: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorISA: [SwiftSetting] = []
#endif

let package = Package(
    name: "FlowStudio",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flowstudio", targets: ["flowstudio"]),
        .library(name: "FlowCore", targets: ["FlowCore"]),
        .library(name: "MMDiT", targets: ["MMDiT"]),
        .library(name: "RectifiedFlow", targets: ["RectifiedFlow"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        // For the fuzz targets (Tests/Fuzz/Package.swift), which drive each file reader.
        .library(name: "DemoModelFormat", targets: ["DemoModelFormat"]),
        .library(name: "TextEncoders", targets: ["TextEncoders"]),
        .library(name: "VAE", targets: ["VAE"]),
        .library(name: "Generation", targets: ["Generation"]),
        .library(name: "Studio", targets: ["Studio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, each behind a module map (+ a small C shim where a macro,
        // a variadic function or setjmp-based error handling needs one).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas"),
        .target(name: "CNcurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        // FlowStudio's own mixed-precision GEMM (bfloat16 × bfloat16 → float32, AVX-512 BF16) for
        // training; Debian's OpenBLAS is built without one. Optimised even in debug builds.
        .target(name: "CBFloat16", cSettings: [.unsafeFlags(["-O3"])]),
        // ggml's Q8_0 blocks: the activation quantizer and the int8 dot product (AVX2 with a
        // plain-loop twin) for matrix products whose weights stay quantized. Optimised even in debug builds.
        .target(name: "CQuantized", cSettings: [.unsafeFlags(["-O3"])]),

        // Numeric core: Tensor, BLAS ops, threading, RNG, safetensors, GGUF, the RGB image type.
        .target(name: "FlowCore", dependencies: ["CBLAS", "CBFloat16", "CQuantized"], swiftSettings: vectorISA),
        // The MM-DiT of SD3 / SD3.5: config, layers, joint blocks, weight loading, key maps, config.json.
        .target(name: "MMDiT", dependencies: ["FlowCore"], swiftSettings: vectorISA),
        // Text encoders: the demo model's word tokenizer and small text transformer, and
        // the CLIP BPE and T5 SentencePiece tokenizers (CLIP's merges ship as a resource).
        .target(name: "TextEncoders", dependencies: ["FlowCore"],
                resources: [.copy("Resources/clip-merges.txt"), .copy("Resources/clip-merges-LICENSE.txt")],
                swiftSettings: vectorISA),
        // Latents to pictures: the SD3 VAE decoder (tiled when large) and the latent→RGB linear preview.
        .target(name: "VAE", dependencies: ["FlowCore"], swiftSettings: vectorISA),
        // Sigma schedules, timestep densities, Euler/Heun samplers with CFG, flow-matching loss.
        // Knows the `VelocityModel` protocol, not the MM-DiT.
        .target(name: "RectifiedFlow", dependencies: ["FlowCore"], swiftSettings: vectorISA),
        // The demo model's file formats: the single safetensors file with its description, and
        // the diffusers folder it exports to and imports from.
        .target(name: "DemoModelFormat", dependencies: ["FlowCore", "MMDiT", "TextEncoders"]),
        // The Shapes world: scene generator, renderer, captions and the image checker.
        .target(name: "ShapesWorld", dependencies: ["FlowCore"]),
        // PNG (libpng), sixel, ANSI half-blocks, resizing, contact sheets.
        .target(name: "Imaging", dependencies: ["FlowCore", "CPNG"]),
        // Prompt → image: the text encoder, MM-DiT, sampler and decoder behind one protocol.
        .target(name: "Generation", dependencies: ["FlowCore", "MMDiT", "RectifiedFlow", "TextEncoders", "VAE", "DemoModelFormat"],
                resources: [.copy("Resources/shapes-demo.safetensors")]),
        // GenEval-style prompt-following scores of any `ImageGenerator` on the Shapes world.
        .target(name: "Evaluation", dependencies: ["Generation", "ShapesWorld", "Imaging", "FlowCore"]),
        // Backward passes, AdamW, EMA, the trainer and checkpoints for the demo model.
        .target(name: "Training", dependencies: ["FlowCore", "MMDiT", "RectifiedFlow", "TextEncoders", "ShapesWorld", "DemoModelFormat"],
                swiftSettings: vectorISA),
        // The SD3 paper's two findings at small scale: timestep densities and depth scaling,
        // trained, evaluated, tabulated and plotted resumably.
        .target(name: "Studies", dependencies: ["Training", "Evaluation", "Generation", "Imaging", "MMDiT", "FlowCore"]),
        // The TUI: a pure state model, an ncurses view, the background worker, themes (read by its own
        // TOML-subset parser, ThemeTOML), favorites.
        .target(name: "Studio", dependencies: ["Generation", "Imaging", "FlowCore", "RectifiedFlow", "CNcurses"]),
        // The command-line tool.
        .executableTarget(
            name: "flowstudio",
            dependencies: [
                "FlowCore", "MMDiT", "RectifiedFlow", "TextEncoders", "VAE", "DemoModelFormat", "ShapesWorld", "Imaging",
                "Generation", "Evaluation", "Training", "Studies", "Studio",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fixture locations and tolerance checks shared by the test targets.
        .target(name: "TestSupport", dependencies: ["FlowCore"], path: "Tests/TestSupport"),
        .testTarget(name: "FlowCoreTests", dependencies: ["FlowCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MMDiTTests", dependencies: ["MMDiT", "FlowCore", "TestSupport"]),
        .testTarget(name: "RectifiedFlowTests", dependencies: ["RectifiedFlow", "MMDiT", "Generation", "FlowCore", "TestSupport"]),
        .testTarget(name: "ShapesWorldTests", dependencies: ["ShapesWorld", "FlowCore"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "MMDiT", "RectifiedFlow", "TextEncoders", "FlowCore", "TestSupport",
                                                         "Generation", "DemoModelFormat", "ShapesWorld"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Generation", "ShapesWorld", "FlowCore", "TestSupport"]),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "FlowCore", "MMDiT", "RectifiedFlow", "TestSupport",
                                                           "DemoModelFormat", "TextEncoders", "VAE"]),
        .testTarget(name: "VAETests", dependencies: ["VAE", "FlowCore", "TestSupport"]),
        .testTarget(name: "TextEncodersTests", dependencies: ["TextEncoders", "FlowCore", "TestSupport"]),
        .testTarget(name: "StudioTests", dependencies: ["Studio", "Generation", "Imaging", "FlowCore", "RectifiedFlow", "TestSupport"]),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "Training"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "FlowCore", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
