import CFuzzerDriver

/// Runs libFuzzer with `argc`/`argv` on `body`, the target's `LLVMFuzzerTestOneInput`.
///
/// Each target defines `<Target>_main` calling this: SwiftPM links an executable on Linux with
/// `--defsym main=<Target>_main` (so that tests can link it), which shadows libFuzzer's own
/// `main`; the driver is the documented way in for a program that has its own.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, body)
}
