import FuzzSupport
import Studio

/// A theme file (TOML), parsed by `Theme(toml:)`, and every style of an accepted theme resolved
/// for 8, 16 and 256 colours.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheme(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let theme = try? Theme(toml: FuzzInput(data, size).text, name: "fuzz") else { return 0 }
    for role in StyleRole.allCases {
        for colors in [8, 16, 256] { _ = theme.resolved(role, colors: colors) }
    }
    return 0
}

@_cdecl("FuzzTheme_main")
public func fuzzThemeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzTheme)
}
