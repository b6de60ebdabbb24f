import FlowCore
import MMDiT
import RectifiedFlow
import TextEncoders

/// The bundled demo model being trained: the text encoder and the MM-DiT in one parameter store
/// (keys `text_encoder.*` and `transformer.*`), trained jointly with the rectified-flow loss.
/// The models are the inference models themselves, run with a tape.
public final class DemoModelTraining {
    public let params = ParameterStore()
    public let transformerConfig: MMDiTConfig
    public let textConfig: TextEncoderConfig
    private(set) var transformer: MMDiT
    private(set) var textEncoder: DemoTextTransformer

    /// The arithmetic of the large matrix products, forward and backward (float32 by default;
    /// check `MatrixPrecision.checkAvailable()` before asking for bfloat16).
    public var precision: MatrixPrecision = .float32 {
        didSet {
            transformer.precision = precision
            textEncoder.precision = precision
        }
    }

    public init(transformer transformerConfig: MMDiTConfig, text textConfig: TextEncoderConfig) throws {
        guard transformerConfig.contextDim == textConfig.width, transformerConfig.pooledDim == textConfig.width else {
            throw MMDiTError.invalidConfig("the MM-DiT's context/pooled widths (\(transformerConfig.contextDim)/\(transformerConfig.pooledDim)) must equal the text encoder width \(textConfig.width)")
        }
        self.transformerConfig = transformerConfig
        self.textConfig = textConfig
        textEncoder = DemoTextTransformer(config: textConfig, declaringIn: params)
        transformer = try MMDiT(config: transformerConfig, declaringIn: params, prefix: "transformer.")
        params.allocateGradients()
        params.set(transformer.positionTable, sincosPositionTable(side: transformerConfig.posEmbedMaxSize, width: transformerConfig.hiddenSize))
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
        let textTape = backward ? textEncoder.makeTape(tokens: batch.tokens) : nil
        let text = textEncoder.forward(tokens: batch.tokens, tape: textTape)
        let zt = FlowMatching.noisy(data: batch.images, noise: batch.noise, t: batch.t)
        let tape = backward ? transformer.makeTape(batch: b, latentHeight: zt.shape[2], latentWidth: zt.shape[3], contextTokens: l,
                                                   context: text.context.p, pooled: text.pooled.p) : nil
        let output = transformer.forward(latents: zt, timesteps: batch.t.map { $0 * 1000 }, context: text.context.p,
                                         contextTokens: l, pooled: text.pooled.p, tape: tape)        // [B, N, p²C]
        let target = patchify(FlowMatching.target(data: batch.images, noise: batch.noise),
                              patch: transformerConfig.patchSize, order: .channelsLast)               // [B, N, p²C]
        let dOutput = backward ? FloatBuffer(output.count) : nil
        let loss = target.scalars.withUnsafeBufferPointer { y in
            FlowMatching.meanSquaredError(prediction: output.p, target: y.baseAddress!, count: output.count, gradient: dOutput?.p)
        }
        if let dOutput, let tape, let textTape {
            let dContext = FloatBuffer(b * l * textConfig.width), dPooled = FloatBuffer(b * textConfig.width)
            transformer.backward(tape: tape, dOutput: dOutput.p, dContext: dContext.p, dPooled: dPooled.p)
            textEncoder.backward(tape: textTape, dContext: dContext.p, dPooled: dPooled.p)
        }
        withExtendedLifetime(text) {}
        return loss
    }
}
