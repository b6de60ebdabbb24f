import FlowCore
import MMDiT
import RectifiedFlow
import TextEncoding

/// The bundled demo model being trained: the text encoder and the MM-DiT in one parameter set
/// (keys `text_encoder.*` and `transformer.*`), trained jointly with the rectified-flow loss.
public final class DemoModelTraining {
    public let params = ParameterSet()
    public let transformerConfig: MMDiTConfig
    public let textConfig: TextEncoderConfig
    let transformer: TrainableMMDiT
    let textEncoder: TrainableTextEncoder

    public init(transformer transformerConfig: MMDiTConfig, text textConfig: TextEncoderConfig) throws {
        guard transformerConfig.contextDim == textConfig.width, transformerConfig.pooledDim == textConfig.width else {
            throw MMDiTError.invalidConfig("the MM-DiT's context/pooled widths (\(transformerConfig.contextDim)/\(transformerConfig.pooledDim)) must equal the text encoder width \(textConfig.width)")
        }
        self.transformerConfig = transformerConfig
        self.textConfig = textConfig
        textEncoder = TrainableTextEncoder(params, config: textConfig)
        transformer = try TrainableMMDiT(params, config: transformerConfig)
    }

    /// One batch: clean images, their token sequences, the noise and the t of each item.
    public struct Batch {
        /// [B, C, H, W] in [-1, 1]
        public var images: Tensor
        /// [B][L]
        public var tokens: [[Int]]
        /// [B, C, H, W]
        public var noise: Tensor
        /// [B] in (0, 1)
        public var t: [Float]
        public init(images: Tensor, tokens: [[Int]], noise: Tensor, t: [Float]) {
            self.images = images; self.tokens = tokens; self.noise = noise; self.t = t
        }
    }

    /// The flow-matching loss of a batch; with `backward`, also accumulates every parameter's gradient.
    public func loss(_ batch: Batch, backward: Bool) -> Float {
        let b = batch.tokens.count, l = textConfig.length
        let text = textEncoder.forward(params, tokens: batch.tokens)
        let zt = FlowMatching.noisy(data: batch.images, noise: batch.noise, t: batch.t)
        let tape = transformer.forward(params, latents: zt, timesteps: batch.t.map { $0 * 1000 },
                                       context: text.context.p, contextTokens: l, pooled: text.pooled.p)
        let target = patchify(FlowMatching.target(data: batch.images, noise: batch.noise),
                              patch: transformerConfig.patchSize, order: .channelsLast)  // [B, N, p²C]
        let dOutput = backward ? Buffer(tape.output.count) : nil
        let loss = target.scalars.withUnsafeBufferPointer { y in
            FlowMatching.meanSquaredError(prediction: tape.output.p, target: y.baseAddress!, count: tape.output.count,
                                          gradient: dOutput?.p)
        }
        if let dOutput {
            let dContext = Buffer(b * l * textConfig.width), dPooled = Buffer(b * textConfig.width)
            transformer.backward(params, tape: tape, dOutput: dOutput.p, dContext: dContext.p, dPooled: dPooled.p)
            textEncoder.backward(params, tape: text, dContext: dContext.p, dPooled: dPooled.p)
        }
        return loss
    }
}
