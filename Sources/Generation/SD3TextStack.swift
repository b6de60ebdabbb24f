import Foundation
import FlowCore
import RectifiedFlow
import TextEncoders

/// SD3's three text encoders behind `SD3TextEncoding`: CLIP-L, CLIP-G and (optionally) T5-XXL,
/// with their tokenizers, assembled as diffusers' `encode_prompt` does.
///
/// Memory: with `keepLoaded` the encoders stay in memory after their first use (fast prompt
/// changes); without it each encoder is loaded, run and released in turn, so at most one is
/// held at a time (T5-XXL alone is 19 GB in float32). The pipeline's loader chooses from the
/// memory estimate.
public final class SD3TextStack: SD3TextEncoding, @unchecked Sendable {
    // @unchecked: the loaded encoders are only touched under `lock`.
    let clipL: LoadedOnDemand<CLIPTextModel>
    let clipG: LoadedOnDemand<CLIPTextModel>
    let t5: LoadedOnDemand<T5Encoder>?
    let clipLTokenizer: CLIPTokenizer
    let clipGTokenizer: CLIPTokenizer
    let t5Tokenizer: T5Tokenizer?
    /// The MM-DiT's `joint_attention_dim` (T5's width; the width of the zeros without T5).
    let jointAttentionDim: Int
    /// Whether encoders stay in memory after use (else each is released after it ran).
    public let keepLoaded: Bool
    private let lock = NSLock()

    /// Opens the tokenizers now (small; a bad tokenizer file is an error before anything runs);
    /// the encoders load on first use.
    /// `t5`: the T5 weights to use (`files.t5`, or nil to leave T5 out).
    public init(files: SD3ModelFiles, t5 t5Weights: SD3ComponentWeights?, precision: MatrixPrecision, keepLoaded: Bool) throws {
        clipL = LoadedOnDemand { try Self.clip(files.clipL, role: .clipL, precision: precision) }
        clipG = LoadedOnDemand { try Self.clip(files.clipG, role: .clipG, precision: precision) }
        t5 = t5Weights.map { weights in LoadedOnDemand { try Self.t5(weights, precision: precision) } }
        do {
            clipLTokenizer = try files.tokenizers.clipL.load()
            clipGTokenizer = try files.tokenizers.clipG.load()
            t5Tokenizer = try t5Weights == nil ? nil : files.tokenizers.t5?.load()
        } catch {
            throw SD3LoadError.tokenizer("\(error)")
        }
        jointAttentionDim = files.transformerConfig.contextDim
        self.keepLoaded = keepLoaded
    }

    /// Runs CLIP-L, CLIP-G and T5 in turn (each released after it ran unless `keepLoaded`).
    public func encode(_ prompt: String) throws -> TextConditioning {
        try lock.withLock {
            let partL = try SD3PromptEncoder.clip(prompt, tokenizer: clipLTokenizer, model: clipL.get())
            if !keepLoaded { clipL.release() }
            let partG = try SD3PromptEncoder.clip(prompt, tokenizer: clipGTokenizer, model: clipG.get())
            if !keepLoaded { clipG.release() }
            var partT5: SD3PromptEncoder.T5Part?
            if let t5, let t5Tokenizer {
                partT5 = try SD3PromptEncoder.t5(prompt, tokenizer: t5Tokenizer, model: t5.get())
                if !keepLoaded { t5.release() }
            }
            let embedding = try SD3PromptEncoder.assemble(clipL: partL, clipG: partG, t5: partT5, jointAttentionDim: jointAttentionDim)
            return TextConditioning(context: embedding.context, pooled: embedding.pooled)
        }
    }

    /// Words past T5's 256 tokens (with T5), or past CLIP's 77 (without: then nothing reads them).
    public func ignoredWords(in prompt: String) -> IgnoredWords {
        if let t5Tokenizer {
            return IgnoredWords(pastLimit: t5Tokenizer.encode(prompt, length: SD3TextStack.t5Tokens).truncatedWords)
        }
        return IgnoredWords(pastLimit: clipLTokenizer.encode(prompt).truncatedWords)
    }

    /// diffusers' `max_sequence_length`.
    public static let t5Tokens = 256

    static func clip(_ component: SD3ComponentWeights, role: CLIPTextConfig.Role, precision: MatrixPrecision) throws -> CLIPTextModel {
        do {
            if let configURL = component.configURL {
                return try CLIPTextModel(config: CLIPTextConfig(contentsOf: configURL), weights: component.weights, precision: precision,
                                         matrices: SD3ComponentWeights.matrixStorage(component.component))
            }
            return try CLIPTextModel(weights: component.weights, role: role, precision: precision,
                                     matrices: SD3ComponentWeights.matrixStorage(component.component))
        } catch {
            throw SD3LoadError.component(component.component, component.source, "\(error)")
        }
    }

    static func t5(_ component: SD3ComponentWeights, precision: MatrixPrecision) throws -> T5Encoder {
        do {
            if let configURL = component.configURL {
                return try T5Encoder(config: T5EncoderConfig(contentsOf: configURL), weights: component.weights, precision: precision,
                                     matrices: SD3ComponentWeights.matrixStorage(component.component))
            }
            return try T5Encoder(weights: component.weights, precision: precision,
                                 matrices: SD3ComponentWeights.matrixStorage(component.component))
        } catch {
            throw SD3LoadError.component(component.component, component.source, "\(error)")
        }
    }
}
