import FlowCore
import Foundation

/// Why an SD3-family model could not be found or opened. Each message names the file or folder,
/// says what is wrong and what to do.
public enum SD3ModelFilesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing at the path given with `option`.
    case notFound(path: String, option: String)
    /// A file could not be read: a FIFO, a device, unreadable, not safetensors… (the reader's message).
    case unreadable(path: String, reason: String)
    /// A GGUF file that could not be read (its error names the file).
    case unreadableGGUF(GGUFError)
    /// A diffusers folder of a pipeline class FlowStudio does not run.
    case unsupportedPipeline(path: String, className: String)
    /// Weights of a known non-SD3 family (SD1.x/SD2, SDXL, Flux…).
    case unsupportedFamily(path: String, family: String)
    /// Weights that are no known model at all.
    case notSD3(path: String, sample: [String])
    /// An MM-DiT whose structure is none of the SD3 family's.
    case unknownMMDiT(path: String, structure: String)
    /// A JSON file that does not parse or lacks what it must hold.
    case invalidConfig(path: String, reason: String)
    /// A required component is nowhere: `looked` lists where it was looked for.
    case missingComponent(SD3Component, looked: [String])
    /// A component folder without a weights file FlowStudio reads.
    case missingWeights(SD3Component, folder: String, found: [String])
    /// A file given for a component holds something else (`found` says what).
    case wrongComponent(SD3Component, path: String, found: String)
    /// T5 weights without a T5 tokenizer.
    case missingT5Tokenizer(weights: String, looked: [String])
    /// A file format FlowStudio does not read (pickle).
    case unsupportedFormat(path: String, format: String)
    /// Component options given together with the demo model.
    case optionsForDemoModel(path: String, options: [String])

    public var description: String {
        switch self {
        case .notFound(let path, let option):
            return "\(option) \(path): no such file or folder."
        case .unreadable(let path, let reason):
            return "\(path): \(reason)"
        case .unreadableGGUF(let error):
            return error.description
        case .unsupportedPipeline(let path, let className):
            return "\(path) is a diffusers \(className) folder, which FlowStudio does not run; it runs StableDiffusion3Pipeline folders "
                + "(SD3-medium, SD3.5-medium, SD3.5-large, SD3.5-large-turbo) and their transformer/ (SD3Transformer2DModel) folders."
        case .unsupportedFamily(let path, let family):
            return "\(path) is \(family) checkpoint, which FlowStudio does not run; it runs the SD3 family "
                + "(SD3-medium, SD3.5-medium, SD3.5-large, SD3.5-large-turbo) and its own demo model."
        case .notSD3(let path, let sample):
            return "\(path) is not an SD3-family checkpoint (its tensors are named like \(sample.map { "\"\($0)\"" }.joined(separator: ", "))). "
                + "Give an SD3 / SD3.5 single file (sd3.5_large.safetensors), a diffusers StableDiffusion3Pipeline folder, "
                + "an MM-DiT file with diffusers or Stability keys, or a FlowStudio demo model."
        case .unknownMMDiT(let path, let structure):
            return "\(path) holds an MM-DiT (\(structure)) that is none of SD3-medium (depth 24, no qk-norm), "
                + "SD3.5-medium (depth 24, qk-norm, MMDiT-X blocks 0–12) and SD3.5-large (depth 38, qk-norm). "
                + "A FlowStudio demo model trained with `flowstudio train` is loaded as a demo model file."
        case .invalidConfig(let path, let reason):
            return "\(path): \(reason)."
        case .missingComponent(let component, let looked):
            let what: String
            switch component {
            case .transformer: what = "the MM-DiT: give --model with an SD3 single file, a diffusers folder or an MM-DiT file"
            default: what = "the \(component) text encoder: pass \(component.option) FILE (e.g. \(component.usualFileName))"
            }
            return "No \(component) weights (looked in \(looked.joined(separator: ", "))). Text-to-image needs \(what)."
        case .missingWeights(let component, let folder, let found):
            return "\(folder): the \(component) folder holds no weights FlowStudio reads "
                + "(model.safetensors, diffusion_pytorch_model.safetensors, their .fp16 variants or a *.safetensors.index.json)"
                + (found.isEmpty ? "; it is empty." : "; it holds \(found.joined(separator: ", ")).")
                + (found.contains { $0.hasSuffix(".bin") } ? " PyTorch .bin weights are not read: save with safe_serialization=True." : "")
        case .wrongComponent(let component, let path, let found):
            return "\(component.option) \(path): \(found), not \(component) weights."
        case .missingT5Tokenizer(let weights, let looked):
            return "The T5-XXL weights (\(weights)) need the T5 tokenizer, which FlowStudio does not bundle (looked in "
                + "\(looked.joined(separator: ", "))). Pass --tokenizers DIR: a folder with tokenizer_3/ holding spiece.model "
                + "or tokenizer.json (as in a diffusers SD3 download), or leave out --t5xxl to run without T5."
        case .unsupportedFormat(let path, let format):
            return "\(path) is \(format), which FlowStudio does not read; convert it to safetensors."
        case .optionsForDemoModel(let path, let options):
            return "\(path) is a FlowStudio demo model, which has its own text encoder and no VAE; "
                + "\(options.joined(separator: ", ")) apply to SD3 models only. Leave them out."
        }
    }
}
