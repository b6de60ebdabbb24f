import ArgumentParser
import FlowCore

@main
struct FlowStudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowstudio",
        abstract: "A terminal studio for rectified-flow MM-DiT text-to-image models (SD3 family).",
        subcommands: [Forward.self, Sample.self, Bench.self]
    )
}

/// Options every compute command shares.
struct ComputeOptions: ParsableArguments {
    @Option(help: "Threads for OpenBLAS and FlowStudio's own loops (default: all cores).")
    var threads: Int = ProcessInfoCPU.count

    func validate() throws {
        guard threads >= 1 && threads <= 1024 else {
            throw ValidationError("--threads must be between 1 and 1024 (got \(threads))")
        }
    }

    func apply() { Parallel.setThreadCount(threads) }
}

/// An error the CLI reports as one line, with what to do about it.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
