import Foundation
import FuzzSupport
import Generation

/// A diffusers SD3 pipeline folder's own JSON files, as `SD3ModelFiles.locate` reads them: the
/// input split at its first NUL is `model_index.json`, then `scheduler/scheduler_config.json`.
/// The folder is a scratch copy of the tiny SD3 fixture (`Tests/Reference/fixtures/sd3-tiny`):
/// its component folders are symbolic links to the fixture's, so only the two files are written
/// per input. An accepted folder's defaults and memory estimate are computed as the loader does.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSD3Folder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let folder = SD3Scratch.folder
    let (index, scheduler) = FuzzInput(data, size).splitAtNUL
    _ = ScratchFile.write(scheduler, named: "sd3/scheduler/scheduler_config.json")
    _ = ScratchFile.write(index, named: "sd3/model_index.json")
    guard case let .sd3(files)? = try? SD3ModelFiles.locate(SD3ModelPaths(model: folder)) else { return 0 }
    _ = (files.defaults, files.notes, files.warnings, files.components.map(\.elementCount))
    _ = SD3MemoryEstimate(files: files, width: 64, height: 64, availableBytes: 1 << 34).description
    return 0
}

/// The scratch pipeline folder, made once per process.
enum SD3Scratch {
    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Reference/fixtures/sd3-tiny")

    static let folder: URL = {
        let fm = FileManager.default
        let folder = ScratchFile.directory.appendingPathComponent("sd3", isDirectory: true)
        guard fm.fileExists(atPath: fixture.appendingPathComponent("model_index.json").path) else {
            fatalError("the tiny SD3 fixture is not at \(fixture.path)")
        }
        try? fm.createDirectory(at: folder.appendingPathComponent("scheduler"), withIntermediateDirectories: true)
        for name in ["transformer", "text_encoder", "text_encoder_2", "text_encoder_3", "vae",
                     "tokenizer", "tokenizer_2", "tokenizer_3"] {
            try? fm.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: fixture.appendingPathComponent(name))
        }
        return folder
    }()
}

@_cdecl("FuzzSD3Folder_main")
public func fuzzSD3FolderMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = SD3Scratch.folder
    return runFuzzer(argc, argv, fuzzSD3Folder)
}
