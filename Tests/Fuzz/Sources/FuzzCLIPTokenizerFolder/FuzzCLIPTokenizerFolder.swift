import Foundation
import FuzzSupport
import TextEncoders

/// A CLIP tokenizer folder's `tokenizer_config.json` and `special_tokens_map.json` (the input
/// split at its first NUL; an empty second part leaves the map out), which give the pad token,
/// read by `CLIPTokenizer(directory:)` beside the tiny SD3 fixture's `vocab.json` and
/// `merges.txt` (symbolic links, written once); a prompt is encoded with an accepted folder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCLIPTokenizerFolder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let folder = TokenizerScratch.folder
    let (config, map) = FuzzInput(data, size).splitAtNUL
    _ = ScratchFile.write(config, named: "clip/tokenizer_config.json")
    let mapURL = folder.appendingPathComponent("special_tokens_map.json")
    if map.isEmpty { try? FileManager.default.removeItem(at: mapURL) } else { _ = ScratchFile.write(map, named: "clip/special_tokens_map.json") }
    guard let tokenizer = try? CLIPTokenizer(directory: folder) else { return 0 }
    _ = tokenizer.encode("a photo of a red cat, lowest-possible 1024px 😀 café")
    return 0
}

/// The scratch tokenizer folder, made once per process.
enum TokenizerScratch {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Reference/fixtures/sd3-tiny/tokenizer")

    static let folder: URL = {
        let fm = FileManager.default
        let folder = ScratchFile.directory.appendingPathComponent("clip", isDirectory: true)
        guard fm.fileExists(atPath: fixture.appendingPathComponent("vocab.json").path) else {
            fatalError("the tiny SD3 tokenizer fixture is not at \(fixture.path)")
        }
        try? fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["vocab.json", "merges.txt"] {
            try? fm.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: fixture.appendingPathComponent(name))
        }
        return folder
    }()
}

@_cdecl("FuzzCLIPTokenizerFolder_main")
public func fuzzCLIPTokenizerFolderMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = TokenizerScratch.folder
    return runFuzzer(argc, argv, fuzzCLIPTokenizerFolder)
}
