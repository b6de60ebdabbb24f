import ArgumentParser

@main
struct FlowStudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowstudio",
        abstract: "A terminal studio for rectified-flow MM-DiT text-to-image models (SD3 family).",
        subcommands: []
    )
}
