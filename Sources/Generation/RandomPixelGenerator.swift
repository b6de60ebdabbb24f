import Foundation
import FlowCore
import TextEncoders
import MMDiT
import RectifiedFlow

/// A development stand-in, NOT the product: the real rectified-flow sampler driving a small,
/// randomly initialised (untrained) pixel-space MM-DiT, so the studio can be built and tested
/// before the bundled demo model exists. Its images are coloured noise.
///
/// Model: 3 channels in pixel space, patch 4, depth 2 by default (hidden 128, 2 heads), 16 text tokens of
/// width 64. Text: every word (lower-cased, split on anything but letters and digits) becomes a
/// Gaussian vector from Philox seeded by the word's FNV-1a hash, placed at its token position;
/// the pooled vector is their mean. Every word counts as known.
public final class RandomPixelGenerator: ImageGenerator, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; MMDiT's forward does not mutate it.
    public let config: MMDiTConfig
    let network: MMDiT
    /// Text tokens per prompt.
    public let contextTokens = 16

    public let modelName = "random-untrained"
    public var modelSummary: String {
        "random (untrained) model — development stand-in, MM-DiT depth \(config.depth) (\(network.parameterCount / 1000)k params), pixel space"
    }
    public let modelHash: String
    public let supportedSizes: [(width: Int, height: Int)] = [(64, 64), (32, 32), (128, 128)]
    public var defaultSettings: GenerationSettings {
        GenerationSettings(prompt: "", negativePrompt: "", steps: 20, cfgScale: 4, seed: 42, shift: 1,
                           sampler: .euler, width: 64, height: 64)
    }

    /// Builds the model with weights drawn like PyTorch's default init from `weightSeed`;
    /// `depth` 2 is fast, larger depths make a slow model for measurements.
    public init(weightSeed: UInt64 = 42, depth: Int = 2) throws {
        config = MMDiTConfig(depth: depth, patchSize: 4, inChannels: 3, outChannels: 3, contextDim: 64, pooledDim: 64,
                             posEmbedMaxSize: 32)
        var stream: UInt64 = 0
        network = try MMDiT(config: config) { key, shape in
            stream += 1
            let fanIn = shape.count >= 2 ? shape.dropFirst().reduce(1, *) : shape.last!
            if key.contains("norm") && shape.count == 1 { return Tensor(repeating: 1, shape: shape) }
            return Noise.uniform(shape: shape, bound: 1 / Float(fanIn).squareRoot(), seed: weightSeed, stream: stream)
        }
        modelHash = String(format: "%08x", UInt32(truncatingIfNeeded: weightSeed &* 0x9E37_79B9_7F4A_7C15 >> 16))
    }

    public func ignoredWords(in prompt: String) -> IgnoredWords { IgnoredWords() }

    /// The conditioning of one prompt: context [1, L, 64] and pooled [1, 64].
    func encode(_ prompt: String) -> TextConditioning {
        let d = config.contextDim
        var context = Tensor(zeros: [1, contextTokens, d])  // [1, L, D]
        var pooled = Tensor(zeros: [1, config.pooledDim])    // [1, D]
        let words = WordTokenizer.words(of: prompt).prefix(contextTokens)
        for (t, word) in words.enumerated() {
            let v = Noise.gaussian(shape: [1, d], seed: FNV1a.hash(word.utf8))
            for j in 0..<d {
                context.scalars[t * d + j] = v.scalars[j]
                pooled.scalars[j] += v.scalars[j] / Float(words.count)
            }
        }
        return TextConditioning(context: context, pooled: pooled)
    }

    public func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        try generate(settings, resumingFrom: nil, interrupt: interrupt, onStep: onStep)
    }

    public func generate(_ settings: GenerationSettings, resumingFrom state: Tensor?, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        guard supportedSizes.contains(where: { $0.width == settings.width && $0.height == settings.height }) else {
            throw RandomPixelGeneratorError.unsupportedSize(width: settings.width, height: settings.height,
                                                  supported: supportedSizes.map { "\($0.width)x\($0.height)" })
        }
        return try PixelSpaceSampling.generate(model: network, settings: settings, resume: settings.isBranch ? state : nil,
                                               conditioning: { (encode($0.prompt), encode($0.negativePrompt)) }, onStep: onStep)
    }
}

/// Why a generator refused to run.
public enum RandomPixelGeneratorError: Error, Equatable, CustomStringConvertible {
    case unsupportedSize(width: Int, height: Int, supported: [String])

    public var description: String {
        switch self {
        case let .unsupportedSize(w, h, supported):
            "this model cannot generate \(w)x\(h); choose one of \(supported.joined(separator: ", "))"
        }
    }
}
