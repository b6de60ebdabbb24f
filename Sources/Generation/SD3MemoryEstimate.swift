import Foundation
import MMDiT

// Dimension letters: B batch (CFG doubles it), T tokens = N image + 333 text, D MM-DiT width,
// H W image size in pixels.

/// How much memory an SD3 model needs before it is loaded, from its tensors' element counts and
/// dtypes (the headers; no data read) as the loaded models hold them (`SD3ComponentWeights.heldBytes`:
/// the MM-DiT's BF16 / F16 linear weights 2 bytes an element, everything else Float32), against
/// what the machine has.
///
/// The pipeline runs the encoders one after another and releases them before the MM-DiT, so
///
///     peak = max(largest encoder, MM-DiT + VAE) + activations
///
/// with an activation allowance (documented at `activationBytes`) for the image size and batch.
public struct SD3MemoryEstimate: Sendable, CustomStringConvertible {
    /// Bytes of each component's weights as held.
    public let componentBytes: [(component: SD3Component, bytes: Int)]
    /// The activation allowance included in `peakBytes`.
    public let activationBytes: Int
    /// The estimated peak resident bytes.
    public let peakBytes: Int
    /// What the machine has for us (`SD3AvailableMemory`), when it can be read.
    public let availableBytes: Int?

    /// Estimates `files` generating `batch` images of `width`×`height` pixels; `guidanceBatches`
    /// is the number of MM-DiT passes batched per step (2 with CFG, 3 with skip-layer guidance, 1 without).
    public init(files: SD3ModelFiles, width: Int, height: Int, batch: Int = 1, guidanceBatches: Int = 2,
                availableBytes: Int? = SD3AvailableMemory.bytes()) {
        let components = files.components.map { ($0.component, $0.heldBytes) }
        self.init(componentBytes: components, transformer: files.transformerConfig, width: width, height: height,
                  batch: batch * max(1, guidanceBatches), availableBytes: availableBytes)
    }

    /// The estimate from byte counts (`batch` counts every MM-DiT pass of a step).
    public init(componentBytes: [(component: SD3Component, bytes: Int)], transformer: MMDiTConfig,
                width: Int, height: Int, batch: Int, availableBytes: Int?) {
        func bytes(_ c: SD3Component) -> Int { componentBytes.filter { $0.component == c }.reduce(0) { $0 + $1.bytes } }
        let largestEncoder = [SD3Component.clipL, .clipG, .t5].map(bytes).max() ?? 0
        let activations = Self.activationBytes(transformer: transformer, width: width, height: height, batch: batch)
        self.componentBytes = componentBytes
        self.activationBytes = activations
        self.peakBytes = max(largestEncoder, bytes(.transformer) + bytes(.vae)) + activations
        self.availableBytes = availableBytes
    }

    /// The allowance for working buffers, the larger of the MM-DiT's and the VAE decoder's (they
    /// run one after the other), in bytes of Float32:
    ///
    /// - MM-DiT: B·T·24·D — per token the residual streams, the normalised input, q, k, v, the
    ///   attention output (6·D), the MLP's hidden layer (4·D), its output and the modulation
    ///   chunks, doubled for the copies made between blocks — plus one T×T score matrix per
    ///   thread (attention runs head by head), with T = (H/16)·(W/16) + 333.
    /// - VAE decoder: 3 full-resolution 128-channel maps (input, output, group-norm scratch of the
    ///   last level: 3·128·H·W), the largest level untiled.
    /// Measured peaks will replace these once the pipeline runs; they err on the high side.
    public static func activationBytes(transformer: MMDiTConfig, width: Int, height: Int, batch: Int,
                                       threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let patch = 8 * max(1, transformer.patchSize)
        let tokens = (height / patch) * (width / patch) + 333  // T
        let mmdit = batch * tokens * 24 * transformer.hiddenSize + max(1, threads) * tokens * tokens
        let vae = 3 * 128 * width * height
        return 4 * max(mmdit, vae)
    }

    /// Whether the estimate fits in the available memory (true when that is unknown).
    public var fits: Bool { availableBytes.map { peakBytes <= $0 } ?? true }

    public var description: String {
        func gb(_ bytes: Int) -> String { String(format: "%.2f GB", Double(bytes) / 1e9) }
        let parts = componentBytes.map { "\($0.component) \(gb($0.bytes))" }.joined(separator: ", ")
        return "\(parts); activations \(gb(activationBytes)); peak \(gb(peakBytes))"
            + (availableBytes.map { ", available \(gb($0))" } ?? ", available unknown")
    }
}
