import Foundation
import FlowCore
import Imaging
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
    public init(contentsOf url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let description = try DemoModelDescription.required(in: file, at: url)
        let prefixes = ["transformer.", TextEncoderConfig.prefix]
        if let stray = file.names.first(where: { name in !prefixes.contains { name.hasPrefix($0) } }) {
            throw DemoPipelineError.unexpectedTensor(url.path, stray)
        }
        self.description = description
        self.url = url
        network = try MMDiT(config: description.transformer, weights: PrefixedTensors(file, prefix: "transformer."))
        textEncoder = try DemoTextEncoder(config: description.textEncoder,
                                          tokenizer: WordTokenizer(words: description.vocabulary, length: description.textEncoder.length),
                                          weights: file)
        modelHash = Self.fingerprint(of: url)
    }

    public var modelName: String { description.name }
    public var modelSummary: String {
        let params = network.parameterCount + description.textEncoder.weightShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
        return "MM-DiT depth \(description.transformer.depth), \(String(format: "%.1f", Double(params) / 1e6))M params, \(description.resolution)×\(description.resolution) RGB"
    }
    public let modelHash: String
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

    public func generate(_ settings: GenerationSettings, onStep: (GenerationProgress) -> Bool) throws -> GenerationResult? {
        let r = description.resolution
        guard settings.width == r, settings.height == r else {
            throw DemoPipelineError.unsupportedSize(settings.width, settings.height, r)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let sampler = try FlowSampler(schedule: SigmaSchedule(steps: settings.steps, shift: settings.shift),
                                      guidanceScale: settings.cfgScale, kind: settings.sampler)
        let encoded = textEncoder.encode(prompts: [settings.prompt, settings.negativePrompt])
        let e = description.textEncoder.width, l = description.textEncoder.length
        func item(_ i: Int) -> TextConditioning {
            TextConditioning(context: Tensor(shape: [1, l, e], scalars: Array(encoded.context.scalars[(i * l * e)..<((i + 1) * l * e)])),
                             pooled: Tensor(shape: [1, e], scalars: Array(encoded.pooled.scalars[(i * e)..<((i + 1) * e)])))
        }
        let noise = Noise.gaussian(shape: [1, 3, r, r], seed: settings.seed)  // [1, 3, H, W]
        let imageShape = [3, r, r]
        let outcome = try sampler.sample(model: network, noise: noise, positive: item(0), negative: item(1)) { step in
            onStep(GenerationProgress(step: step.index, stepCount: step.count, sigma: step.sigma, elapsed: elapsed(),
                                      predicted: LatentPreview.pixelSpace(step.predictedClean.reshaped(imageShape)),
                                      noisy: LatentPreview.pixelSpace(step.latents.reshaped(imageShape))))
        }
        guard let final = outcome.latents else { return nil }
        return GenerationResult(image: LatentPreview.pixelSpace(final.reshaped(imageShape)), settings: settings, seconds: elapsed())
    }

    /// A short fingerprint of the file's bytes (FNV-1a 64 over the file, as 10 hex digits).
    static func fingerprint(of url: URL) -> String {
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { return "unknown" }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return String(String(h, radix: 16).prefix(10))
    }
}

/// Why a demo-model file cannot be used.
public enum DemoPipelineError: Error, CustomStringConvertible {
    case notADemoModel(String)
    case unexpectedTensor(String, String)
    case unsupportedSize(Int, Int, Int)
    case unreadableDescription(String, String)

    public var description: String {
        switch self {
        case let .notADemoModel(path):
            "\(path) is not a FlowStudio demo model (no '\(DemoModelDescription.metadataKey)' metadata); train one with `flowstudio train`"
        case let .unexpectedTensor(path, name):
            "\(path) holds a tensor '\(name)' that belongs to neither the transformer nor the text encoder"
        case let .unsupportedSize(w, h, r):
            "this model generates \(r)×\(r) images only (asked for \(w)×\(h))"
        case let .unreadableDescription(path, why):
            "\(path) has a model description ('\(DemoModelDescription.metadataKey)' metadata) that cannot be read: \(why); the file is damaged or was edited by hand"
        }
    }
}
