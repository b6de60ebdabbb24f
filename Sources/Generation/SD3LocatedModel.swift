import Foundation

/// What `--model` turned out to be: FlowStudio's own demo model (loaded by the existing demo
/// code, `DemoPipeline` / `DiffusersFolder`), or an SD3-family model with its components found.
public enum SD3LocatedModel: @unchecked Sendable {
    /// The demo model: a file made by `flowstudio train` (its metadata holds `flowstudio.model`),
    /// or a folder written by `flowstudio export --diffusers` (it holds `flowstudio_model.json`).
    case demoModel(URL, SD3DemoLayout)
    /// An SD3 / SD3.5 model.
    case sd3(SD3ModelFiles)
}

/// How a demo model is stored.
public enum SD3DemoLayout: String, Sendable, Equatable {
    /// One safetensors file with the description in its metadata.
    case file
    /// A diffusers `SD3Transformer2DModel` folder exported by `flowstudio export --diffusers`.
    case diffusersExport
}
