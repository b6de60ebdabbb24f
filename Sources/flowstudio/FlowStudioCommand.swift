import ArgumentParser
import FlowCore

@main
struct FlowStudioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowstudio",
        abstract: "A terminal studio for rectified-flow MM-DiT text-to-image models (SD3 family).",
        subcommands: [StudioCommand.self, Generate.self, GridCommand.self, Eval.self, Forward.self, Sample.self, Train.self, StudyCommand.self, Export.self, Defaults.self, Bench.self],
        defaultSubcommand: StudioCommand.self
    )
}

extension MatrixPrecision: ExpressibleByArgument {}
extension PrecisionChoice: ExpressibleByArgument {}

/// Options every compute command shares.
struct ComputeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads for OpenBLAS and FlowStudio's own loops (default: all cores).")
    var threads: Int = ProcessInfoCPU.count
    @Option(name: .customLong("precision"),
            help: "Arithmetic of large matrix products: auto (bfloat16 where the CPU has AVX512_BF16 and the model's weights are BF16/F16, else float32), float32 (OpenBLAS), or bfloat16 (operands rounded to bfloat16, float32 accumulation, as PyTorch's bf16 autocast; needs AVX512_BF16, else float32 with a note; faster training). Half-precision weights stay as the file stores them either way.")
    var precisionChoice: PrecisionChoice = .auto

    /// The arithmetic for float32 weights (training, the demo model, random benchmark weights):
    /// auto is float32 there; bfloat16 falls back to float32 on a CPU without AVX512_BF16.
    var precision: MatrixPrecision { precisionChoice.resolved(halfWeights: false) }

    /// The arithmetic for a model whose weights are (`halfWeights`) or are not held in 16 bits.
    func precision(halfWeights: Bool) -> MatrixPrecision { precisionChoice.resolved(halfWeights: halfWeights) }

    func validate() throws {
        guard threads >= 1 && threads <= 1024 else {
            throw ValidationError("--threads must be between 1 and 1024 (got \(threads))")
        }
    }

    /// Sets the threads and the allocator, and says (stderr) when the precision asked for falls back.
    func apply() {
        Parallel.setThreadCount(threads)
        keepFreedMemoryForReuse()
        if let note = precisionChoice.fallbackNote() { printError("note: \(note)") }
    }
}

/// Makes glibc serve large blocks from the heap and keep freed memory: a forward allocates and
/// frees the same activation buffers (tens of MB) in every block, and with the default mmap
/// threshold each one would be fresh pages that the kernel must fault in and zero again.
func keepFreedMemoryForReuse() {
    #if os(Linux)
    _ = glibcMallopt(-3, 1 << 30)        // M_MMAP_THRESHOLD (malloc.h)
    _ = glibcMallopt(-1, Int32.max)      // M_TRIM_THRESHOLD
    #endif
}

#if os(Linux)
/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// An error the CLI reports as one line, with what to do about it.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
