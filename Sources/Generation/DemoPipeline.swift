import DemoModelFormat
import Foundation
import FlowCore
import VAE
import MMDiT
import RectifiedFlow
import TextEncoders

/// The bundled demo model (or any file in its format): the word-level text encoder and a
/// pixel-space MM-DiT, sampled with the rectified-flow sampler. Prompt → RGB image.
public final class DemoPipeline: ImageGenerator, @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; the forwards do not mutate state.
    public let description: DemoModelDescription
    public let url: URL
    let network: MMDiT
    let textEncoder: DemoTextEncoder

    /// The model that ships with FlowStudio, or nil when this build has none.
    public static var bundledModelURL: URL? {
        Bundle.module.url(forResource: "shapes-demo", withExtension: "safetensors")
    }

    /// Loads a demo-model file; errors say what is wrong with it.
    /// `precision` is the arithmetic of the large matrix products (`--precision`); `matrices` how
    /// the MM-DiT's linear weights are held (`--weights`): float32 as the file stores them by
    /// default, or re-held (rounded to bf16 / f16, quantized into Q8_0 / Q4_0 blocks) as they load.
    /// The small text encoder stays float32.
    public convenience init(contentsOf url: URL, precision: MatrixPrecision = .float32,
                            matrices: MatrixStorage = .float32) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let description = try DemoModelDescription.required(in: file, at: url)
        let prefixes = ["transformer.", TextEncoderConfig.prefix]
        if let stray = file.names.first(where: { name in !prefixes.contains { name.hasPrefix($0) } }) {
            throw DemoModelFileError.unexpectedTensor(url.path, stray)
        }
        try self.init(description: description, transformerWeights: PrefixedTensors(file, prefix: "transformer."),
                      textEncoderWeights: PrefixedTensors(file, prefix: TextEncoderConfig.prefix),
                      url: url, weightsURL: url, precision: precision, matrices: matrices)
    }

    /// Loads a demo model exported as a diffusers folder (`flowstudio export --diffusers`, or a
    /// PyTorch continuation saved with `save_pretrained` beside the exported `flowstudio_*` files):
    /// config.json gives the MM-DiT, `flowstudio_model.json` the vocabulary, text encoder and
    /// sampling defaults, `flowstudio_text_encoder.safetensors` the text encoder's weights.
    /// `matrices` as for a file.
    public convenience init(diffusersFolder directory: URL, precision: MatrixPrecision = .float32,
                            matrices: MatrixStorage = .float32) throws {
        let contents = try DiffusersFolder.read(directory)
        guard var description = contents.description, let textWeights = contents.textEncoderWeights else {
            throw DemoModelFileError.incompleteExport(directory.path)
        }
        description.transformer = contents.transformer  // config.json wins, as DiffusersFolder.read warns
        description.resolution = contents.resolution
        try description.validate()
        try self.init(description: description, transformerWeights: contents.transformerWeights, textEncoderWeights: textWeights,
                      url: directory, weightsURL: directory.appendingPathComponent(DiffusersFolder.weightsFileName),
                      precision: precision, matrices: matrices)
    }

    /// The MM-DiT from `transformerWeights` (keys without `transformer.`), the text encoder from
    /// `textEncoderWeights` (keys without `text_encoder.`); the model hash is `weightsURL`'s.
    init(description: DemoModelDescription, transformerWeights: TensorProvider, textEncoderWeights: TensorProvider,
         url: URL, weightsURL: URL, precision: MatrixPrecision, matrices: MatrixStorage) throws {
        self.description = description
        self.url = url
        network = try MMDiT(config: description.transformer, weights: transformerWeights, precision: precision, matrices: matrices)
        textEncoder = try DemoTextEncoder(config: description.textEncoder,
                                          tokenizer: WordTokenizer(words: description.vocabulary, length: description.textEncoder.length),
                                          weights: textEncoderWeights, precision: precision)
        modelHash = Self.fingerprint(of: weightsURL)
    }

    public var modelName: String { description.name }
    public var modelSummary: String {
        let params = network.parameterCount + description.textEncoder.weightShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
        return "MM-DiT depth \(description.transformer.depth), \(String(format: "%.1f", Double(params) / 1e6))M params, \(description.resolution)×\(description.resolution) RGB"
    }
    public let modelHash: String
    public var precisionSummary: String { PrecisionSummary.text(store: network.store, math: network.precision) }
    public var supportedSizes: [(width: Int, height: Int)] { [(description.resolution, description.resolution)] }
    public var defaultSettings: GenerationSettings {
        GenerationSettings(prompt: "", steps: description.defaultSteps, cfgScale: description.defaultGuidance, seed: 1,
                           shift: description.defaultShift, sampler: .euler,
                           width: description.resolution, height: description.resolution)
    }

    public func ignoredWords(in prompt: String) -> IgnoredWords {
        let encoding = textEncoder.tokenizer.encode(prompt)
        return IgnoredWords(unknown: encoding.unknownWords, pastLimit: encoding.truncatedWords)
    }

    public func generate(_ settings: GenerationSettings, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        try generate(settings, resumingFrom: nil, interrupt: interrupt, onStep: onStep)
    }

    public func generate(_ settings: GenerationSettings, resumingFrom state: Tensor?, interrupt: () -> Bool,
                         onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        let r = description.resolution
        guard settings.width == r, settings.height == r else {
            throw DemoPipelineError.unsupportedSize(settings.width, settings.height, r)
        }
        let e = description.textEncoder.width, l = description.textEncoder.length
        func conditioning(_ part: GenerationSettings) -> (positive: TextConditioning, negative: TextConditioning) {
            let encoded = textEncoder.encode(prompts: [part.prompt, part.negativePrompt])
            func item(_ i: Int) -> TextConditioning {
                TextConditioning(context: Tensor(shape: [1, l, e], scalars: Array(encoded.context.scalars[(i * l * e)..<((i + 1) * l * e)])),
                                 pooled: Tensor(shape: [1, e], scalars: Array(encoded.pooled.scalars[(i * e)..<((i + 1) * e)])))
            }
            return (item(0), item(1))
        }
        return try withoutActuallyEscaping(interrupt) { interrupt in
            try PixelSpaceSampling.generate(model: InterruptibleMMDiT(network: network, interrupt: interrupt), settings: settings,
                                            resume: settings.isBranch ? state : nil, conditioning: conditioning, onStep: onStep)
        }
    }

    /// A short fingerprint of the file's bytes (FNV-1a 64 over the file, as 10 hex digits).
    static func fingerprint(of url: URL) -> String {
        guard let h = try? ReadableFile(url, expected: "a safetensors file").withMappedBytes({ FNV1a.hash($0) }) else {
            return "unknown"
        }
        return String(String(h, radix: 16).prefix(10))
    }
}

/// Why the demo pipeline cannot run a request (the file's own problems are `DemoModelFileError`s).
public enum DemoPipelineError: Error, CustomStringConvertible {
    case unsupportedSize(Int, Int, Int)

    public var description: String {
        switch self {
        case let .unsupportedSize(w, h, r):
            "this model generates \(r)×\(r) images only (asked for \(w)×\(h))"
        }
    }
}
