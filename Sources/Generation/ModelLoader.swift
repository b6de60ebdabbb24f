import Foundation
import FlowCore
import MMDiT
import VAE

/// Opens whatever `--model` names as an `ImageGenerator`: a demo-model file (the bundled model's
/// format) or an SD3 / SD3.5 model in any layout `SD3ModelFiles` finds (diffusers folder,
/// Stability single file, separate encoder and VAE files).
public enum ModelLoader {
    /// A loaded model and what the user should be told about it (no T5, no VAE, memory policy).
    public struct Loaded: @unchecked Sendable {
        public let generator: any ImageGenerator
        public let notes: [String]
        public let warnings: [String]
    }

    /// Loads the model at `paths` with exactly the arithmetic `precision` (see the
    /// `PrecisionChoice` overload).
    public static func load(_ paths: SD3ModelPaths, precision: MatrixPrecision = .float32,
                            includeT5: Bool = true) throws -> Loaded {
        try load(paths, choice: PrecisionChoice(precision), includeT5: includeT5)
    }

    /// Loads the model at `paths`. `includeT5: false` leaves T5 out (zeros in its place, as
    /// diffusers does without `text_encoder_3`). SD3 models are checked against the machine's
    /// memory before anything large is read, and their MM-DiT's linear weights stay in the
    /// file's 16-bit dtype (BF16 / F16; F8 widened to BF16) or its GGUF blocks (Q8_0, Q4_0, …):
    /// `choice` picks the arithmetic of the products over them (`PrecisionChoice.resolved`). The
    /// demo model is float32.
    ///
    /// `weights` re-holds a demo model's MM-DiT matrices as they load (`--weights`: bf16 / f16
    /// rounded, Q8_0 / Q4_0 quantized by `GGUFQuantize`, or float32); nil keeps them as the file
    /// stores them. An SD3 model is always held as its file stores it: `weights` other than nil
    /// is an error there (`SD3LoadError.reholdingNotSupported`).
    public static func load(_ paths: SD3ModelPaths, choice: PrecisionChoice, includeT5: Bool = true,
                            weights: MatrixStorage? = nil) throws -> Loaded {
        switch try SD3ModelFiles.locate(paths) {
        case let .demoModel(url, layout):
            let matrices = weights ?? .float32
            var halfWeights = false
            if case .rounded(let kind) = matrices { halfWeights = kind.isHalf }
            let precision = choice.resolved(halfWeights: halfWeights)
            let generator = layout == .file ? try DemoPipeline(contentsOf: url, precision: precision, matrices: matrices)
                                            : try DemoPipeline(diffusersFolder: url, precision: precision, matrices: matrices)
            return Loaded(generator: generator, notes: [], warnings: [])
        case let .sd3(files):
            if let weights { throw SD3LoadError.reholdingNotSupported(describe(weights)) }
            return try loadSD3(files, choice: choice, includeT5: includeT5)
        }
    }

    /// "bf16", "Q8_0", "f32" for a store policy (messages).
    static func describe(_ matrices: MatrixStorage) -> String {
        switch matrices {
        case .float32: "f32"
        case .asStored: "as stored"
        case .rounded(let kind): kind.shortName
        }
    }

    static func loadSD3(_ files: SD3ModelFiles, choice: PrecisionChoice, includeT5: Bool) throws -> Loaded {
        let halfWeights = files.transformer.hasHalfMatrices
        let precision = choice.resolved(halfWeights: halfWeights)
        var notes = files.notes
        let warnings = files.warnings
        let t5 = includeT5 ? files.t5 : nil
        if !includeT5 && files.t5 != nil { notes.append("T5 left out (--no-t5): its 256 tokens are zeros, as diffusers does without text_encoder_3") }
        let size = defaultSize(files)
        let guidanceBatches = 2  // [uncond, cond]; skip-layer guidance adds a batch-1 pass after
        let bytes = files.components.filter { $0.component != .t5 || t5 != nil }.map { ($0.component, $0.heldBytes) }
        let estimate = SD3MemoryEstimate(componentBytes: bytes, transformer: files.transformerConfig, width: size, height: size,
                                         batch: guidanceBatches, availableBytes: SD3AvailableMemory.bytes())
        let plan = MemoryPlan(estimate)
        guard plan != .doesNotFit else { throw SD3LoadError.notEnoughMemory(estimate.description) }
        if plan != .keepEverything { notes.append(plan.note) }

        let transformerWeights = files.transformer
        let loadTransformer = {
            do {
                return try MMDiT(config: files.transformerConfig, weights: transformerWeights.weights, precision: precision,
                                 matrices: SD3ComponentWeights.matrixStorage(transformerWeights.component))
            } catch {
                throw SD3LoadError.component(.transformer, transformerWeights.source, "\(error)")
            }
        }
        // Load the MM-DiT now (its errors show at once), unless it must make room for the encoders first.
        let transformer = plan == .releaseTransformerToEncode ? LoadedOnDemand(load: loadTransformer)
                                                              : LoadedOnDemand(try loadTransformer(), reload: loadTransformer)
        let matrixBytes = files.transformer.matrixBytes
        if matrixBytes.keys.contains(where: { $0 != .float32 }) {
            let kinds = matrixBytes.keys.filter { $0 != .float32 }.map(\.shortName).sorted().joined(separator: ", ")
            notes.append("weights: the MM-DiT's linear weights stay as the file stores them (\(kinds)); products in \(precision)")
        }
        let text = try SD3TextStack(files: files, t5: t5, precision: precision, keepLoaded: plan == .keepEverything)
        var decoder: VAEDecoder?
        if let vae = files.vae {
            do {
                let config = try vae.config.map { try VAEDecoderConfig.fromDiffusersJSON($0) }
                decoder = try VAEDecoder.load(from: vae.weights, config: config, precision: precision)
            } catch {
                let hint = vae.config == nil ? "; a VAE without a config.json is read as SD3's (32 norm groups): pass --vae with a diffusers vae/ folder to give its config" : ""
                throw SD3LoadError.component(.vae, vae.source, "\(error)\(hint)")
            }
        }  // else SD3ModelFiles' warnings already say there is no VAE
        let defaults = files.defaults
        let settings = GenerationSettings(prompt: "", steps: defaults.steps, cfgScale: defaults.guidance, seed: 1,
                                          shift: files.schedulerShift ?? defaults.shift, sampler: .euler,
                                          width: size, height: size)
        let name = files.modelURL.deletingPathExtension().lastPathComponent
        let params = Double(files.transformer.elementCount)
        let count = params >= 1e9 ? String(format: "%.1fB", params / 1e9) : String(format: "%.1fM", params / 1e6)
        let encoders = ["CLIP-L", "CLIP-G"] + (t5 != nil ? ["T5-XXL"] : [])
        let summary = "\(files.family) (MM-DiT depth \(files.transformerConfig.depth), \(count) params), "
            + encoders.joined(separator: " + ") + (decoder == nil ? ", no VAE" : ", VAE")
        let pipeline = SD3Pipeline(name: name, summary: summary, hash: fingerprint(files), defaults: settings,
                                   config: files.transformerConfig, transformer: transformer, text: text, decoder: decoder,
                                   releaseTransformerToEncode: plan == .releaseTransformerToEncode,
                                   precision: PrecisionSummary.text(matrices: matrixBytes, math: precision))
        return Loaded(generator: pipeline, notes: notes, warnings: warnings)
    }

    /// The default image side: the transformer config's `sample_size` × 8 (1024 for the real SD3
    /// models, as diffusers' pipeline defaults), or 1024 when there is no config; at most what the
    /// positional table holds.
    static func defaultSize(_ files: SD3ModelFiles) -> Int {
        let c = files.transformerConfig
        let largest = c.posEmbedMaxSize * c.patchSize * SD3Pipeline.latentScale
        if let data = files.transformer.config, let config = try? JSONDecoder().decode(DiffusersTransformerConfig.self, from: data) {
            return min(largest, config.sampleSize * SD3Pipeline.latentScale)
        }
        return min(largest, 1024)
    }

    /// A short fingerprint of the MM-DiT: its tensor names and shapes and the values of its two
    /// smallest tensors (FNV-1a, 10 hex digits). Cheap for a 10 GB file, and different for
    /// fine-tunes of one architecture.
    static func fingerprint(_ files: SD3ModelFiles) -> String {
        let weights = files.transformer.weights
        let shapes = weights.tensorNames.sorted().map { ($0, weights.tensorShape($0) ?? []) }
        var bytes = Array(shapes.map { "\($0.0)\($0.1)" }.joined(separator: ";").utf8)
        for (name, _) in shapes.sorted(by: { $0.1.reduce(1, *) < $1.1.reduce(1, *) }).prefix(2) {
            if let t = try? weights.loadTensor(name) { t.scalars.withUnsafeBytes { bytes += $0 } }
        }
        return String(String(FNV1a.hash(bytes), radix: 16).prefix(10))
    }
}

/// How an SD3 model shares the machine's memory, from the estimate.
enum MemoryPlan: Equatable {
    /// Everything stays loaded: prompt changes cost only the encoders' run.
    case keepEverything
    /// Each encoder is loaded, run and released in turn while the MM-DiT stays.
    case releaseEncoders
    /// The MM-DiT is released while the encoders run and loaded again after.
    case releaseTransformerToEncode
    case doesNotFit

    init(_ estimate: SD3MemoryEstimate) {
        guard let available = estimate.availableBytes else { self = .keepEverything; return }
        let bytes = Dictionary(estimate.componentBytes.map { ($0.component, $0.bytes) }, uniquingKeysWith: +)
        let all = bytes.values.reduce(0, +) + estimate.activationBytes
        let encoders = [SD3Component.clipL, .clipG, .t5].map { bytes[$0] ?? 0 }
        let transformerAndVAE = (bytes[.transformer] ?? 0) + (bytes[.vae] ?? 0)
        if all <= available {
            self = .keepEverything
        } else if transformerAndVAE + (encoders.max() ?? 0) + estimate.activationBytes <= available {
            self = .releaseEncoders
        } else if estimate.peakBytes <= available {
            self = .releaseTransformerToEncode
        } else {
            self = .doesNotFit
        }
    }

    var note: String {
        switch self {
        case .keepEverything, .doesNotFit: ""
        case .releaseEncoders:
            "memory: the text encoders do not fit beside the MM-DiT all at once, so each is loaded, run and released in turn (a new prompt takes longer to encode)"
        case .releaseTransformerToEncode:
            "memory: the MM-DiT is released while the text encoders run and loaded again after (a new prompt costs a reload; --no-t5 avoids it)"
        }
    }
}
