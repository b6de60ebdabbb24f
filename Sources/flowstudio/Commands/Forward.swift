import ArgumentParser
import Foundation
import FlowCore
import MMDiT

/// `flowstudio forward`: one MM-DiT forward on tensors named as diffusers names the arguments.
struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one MM-DiT forward on saved inputs (for comparing with PyTorch/diffusers).",
        discussion: """
        --inputs holds hidden_states [B,C,H,W], encoder_hidden_states [B,L,Dctx], \
        pooled_projections [B,Dpool] and timestep [B] (0–1000). The output file gets sample [B,C,H,W]. \
        The model config is read from the weights (diffusers or original Stability key layout).
        """)

    @Option(help: "MM-DiT weights (.safetensors, diffusers or Stability layout).")
    var model: String
    @Option(help: "Input tensors (.safetensors).")
    var inputs: String
    @Option(help: "Where to write the output (.safetensors).")
    var out: String
    @OptionGroup var compute: ComputeOptions

    func run() throws {
        compute.apply()
        let weights = try SafeTensorsFile(contentsOf: fileURL(model, option: "--model"))
        let network = try MMDiT(weights: diffusersView(of: weights), precision: compute.precision)
        let inputFile = try SafeTensorsFile(contentsOf: fileURL(inputs, option: "--inputs"))
        func input(_ name: String) throws -> Tensor {
            try inputFile.required(name, needs: "hidden_states, encoder_hidden_states, pooled_projections and timestep")
        }
        let sample = try network(latents: input("hidden_states"), context: input("encoder_hidden_states"),
                                 pooled: input("pooled_projections"), timesteps: input("timestep").scalars)
        try SafeTensors.write(["sample": sample], metadata: ["producer": "flowstudio forward", "config": network.config.description],
                              to: try fileURL(out, option: "--out"))
        print("wrote sample \(describeShape(sample.shape)) to \(out) (model: \(network.config))")
    }
}

extension SafeTensorsFile {
    /// The tensor `name`, or an error saying the file lacks it and what the command `needs`, or
    /// that it holds NaN or infinite values (a forward would silently give NaN everywhere).
    func required(_ name: String, needs: String) throws -> Tensor {
        guard contains(name) else { throw CLIError("\(url.path) has no tensor '\(name)'; it needs \(needs)") }
        let t = try tensor(name)
        if let first = t.scalars.firstIndex(where: { !$0.isFinite }) {
            let count = t.scalars.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            throw CLIError("\(url.path): tensor '\(name)' holds \(count) NaN or infinite value\(count == 1 ? "" : "s") (the first at flat index \(first): \(t.scalars[first])); the model's output would be NaN everywhere. Check how the file was written.")
        }
        return t
    }
}
