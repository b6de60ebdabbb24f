import ArgumentParser

/// A seed on the command line: a whole number from 0 to 2⁶⁴ − 1, or `random` (also `-1`, as
/// AUTOMATIC1111 writes it) for a fresh one each run.
struct SeedArgument: ExpressibleByArgument {
    /// nil: draw one.
    let fixed: UInt64?

    init(_ fixed: UInt64?) { self.fixed = fixed }

    init?(argument: String) {
        if argument == "random" || argument == "-1" {
            fixed = nil
        } else if let value = UInt64(argument) {
            fixed = value
        } else {
            return nil
        }
    }

    var defaultValueDescription: String { fixed.map(String.init) ?? "random" }

    /// The seed to use: the fixed one, or a new random one below 2³² (short to read and type).
    func resolve() -> UInt64 { fixed ?? UInt64.random(in: 0...UInt64(UInt32.max)) }

    static let help = ArgumentHelp("Seed: a whole number from 0 to 18446744073709551615, or random (also -1).")
}
