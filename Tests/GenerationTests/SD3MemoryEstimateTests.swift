import Foundation
import Testing
import FlowCore
import MMDiT
@testable import Generation

/// The memory estimate: element counts from headers, the peak formula, and the available memory
/// read from /proc and the cgroup files.
@Suite struct SD3MemoryEstimateTests {
    @Test func countsElementsFromTheHeaders() throws {
        let folder = try SD3TestFolder()
        try SD3ModelFilesTests.makeDiffusersFolder(folder)
        guard case .sd3(let files) = try SD3ModelFiles.locate(SD3ModelPaths(model: folder.url)) else { Issue.record("not SD3"); return }
        func elements(_ shapes: [String: [Int]]) -> Int { shapes.values.reduce(0) { $0 + $1.reduce(1, *) } }
        // The MM-DiT and the encoders (written in BF16 / F16) keep their linear weights (the
        // `.weight`s of rank ≥ 2 but the embedding tables) in 16 bits; biases, norms, tables,
        // CLIP-L's made-up identity projection and the VAE are float32.
        func held(_ shapes: [String: [Int]], float32: Set<String> = []) -> Int {
            shapes.reduce(0) { total, entry in
                let table = SD3ComponentWeights.tableSuffixes.contains { entry.key.hasSuffix($0) }
                let half = entry.key.hasSuffix(".weight") && entry.value.count >= 2 && !table && !float32.contains(entry.key)
                return total + entry.value.reduce(1, *) * (half ? 2 : 4)
            }
        }
        let mmditHeld = held(try SD3TestKeys.diffusersMMDiT(.sd3Medium))
        let clipLHeld = held(SD3TestKeys.canonicalCLIP(), float32: ["text_projection.weight"]), clipGHeld = held(SD3TestKeys.canonicalCLIP())
        let t5Held = held(SD3TestKeys.canonicalT5())
        let clip = elements(SD3TestKeys.canonicalCLIP())  // CLIP-L's identity projection counts too
        let t5 = elements(SD3TestKeys.canonicalT5()), vae = elements(SD3TestKeys.vae(ldm: false))
        #expect(clipGHeld < 4 * clip && t5Held < 4 * t5)
        let estimate = SD3MemoryEstimate(files: files, width: 64, height: 64, batch: 1, guidanceBatches: 2, availableBytes: 1 << 40)
        #expect(estimate.componentBytes.map(\.component) == [.clipL, .clipG, .t5, .transformer, .vae])
        #expect(estimate.componentBytes.map(\.bytes) == [clipLHeld, clipGHeld, t5Held, mmditHeld, 4 * vae])
        // 64×64 pixels: T = 4·4 + 333 = 349 tokens, D = 64, batch 2 (CFG).
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let activations = 4 * max(2 * 349 * 24 * 64 + threads * 349 * 349, 3 * 128 * 64 * 64)
        #expect(estimate.activationBytes == activations)
        #expect(estimate.peakBytes == max(t5Held, mmditHeld + 4 * vae) + activations)
        #expect(estimate.fits)
        #expect(!SD3MemoryEstimate(files: files, width: 64, height: 64, availableBytes: 1000).fits)
    }

    @Test func realModelSizes() throws {
        // SD3.5-large at 1024², CFG: 8.06 G parameters → 32.2 GB of float32 weights (MM-DiT alone).
        let large = MMDiTConfig(depth: 38, posEmbedMaxSize: 192, qkNorm: true)
        let mmdit = try MMDiT(config: large, declaringIn: ParameterStore()).parameterCount
        #expect(mmdit > 8_000_000_000 && mmdit < 8_200_000_000)
        let estimate = SD3MemoryEstimate(componentBytes: [(.t5, 4 * 4_762_310_656), (.transformer, 4 * mmdit), (.vae, 4 * 83_653_863)],
                                         transformer: large, width: 1024, height: 1024, batch: 2, availableBytes: nil)
        let activations = SD3MemoryEstimate.activationBytes(transformer: large, width: 1024, height: 1024, batch: 2)
        #expect(estimate.peakBytes == 4 * mmdit + 4 * 83_653_863 + activations)
        #expect(estimate.fits && estimate.availableBytes == nil)
        #expect(estimate.description.hasPrefix("T5-XXL 19.05 GB, MM-DiT "))
    }

    @Test func availableMemoryFromProcAndCgroup() throws {
        let folder = try SD3TestFolder()
        try folder.write("MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   20000000 kB\n", to: "proc/meminfo")
        #expect(SD3AvailableMemory.bytes(root: folder.url) == 20_000_000 * 1024)
        try folder.write("max\n", to: "sys/fs/cgroup/memory.max")
        #expect(SD3AvailableMemory.bytes(root: folder.url) == 20_000_000 * 1024)
        try folder.write("8000000000\n", to: "sys/fs/cgroup/memory.max")
        try folder.write("1000000000\n", to: "sys/fs/cgroup/memory.current")
        #expect(SD3AvailableMemory.bytes(root: folder.url) == 7_000_000_000)
        let v1 = try SD3TestFolder()
        try v1.write("9223372036854771712\n", to: "sys/fs/cgroup/memory/memory.limit_in_bytes")
        #expect(SD3AvailableMemory.bytes(root: v1.url) == nil)
        try v1.write("4000000000\n", to: "sys/fs/cgroup/memory/memory.limit_in_bytes")
        try v1.write("500000000\n", to: "sys/fs/cgroup/memory/memory.usage_in_bytes")
        #expect(SD3AvailableMemory.bytes(root: v1.url) == 3_500_000_000)
        // This machine: /proc/meminfo reads although stat calls it empty.
        let here = try #require(SD3AvailableMemory.bytes())
        #expect(here > 0)
    }
}
