import Foundation
import FuzzSupport
import Studio

/// The studio's `models.json` (recent models), loaded by `RecentModelsStore` (bad entries
/// skipped, an unreadable file moved aside), then a model recorded on top as the studio does
/// after a load (which reads the file again and writes the list back).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecentModels(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let store = RecentModelsStore(directory: ScratchFile.directory)
    _ = ScratchFile.write(FuzzInput(data, size).bytes, named: "models.json")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let (entries, _) = store.load(now: now)
    _ = entries.map { ($0.path, $0.name, $0.summary, $0.lastUsed) }
    if !store.isReadOnly {
        _ = ScratchFile.write(FuzzInput(data, size).bytes, named: "models.json")
        _ = try? store.record(path: "/models/fuzz", name: "fuzz", summary: "a fuzzed list", now: now)
    }
    // Files moved aside must not pile up over a run.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: ScratchFile.directory.path)) ?? []
    where name.hasPrefix("models.json.") {
        try? FileManager.default.removeItem(at: ScratchFile.directory.appendingPathComponent(name))
    }
    return 0
}

@_cdecl("FuzzRecentModels_main")
public func fuzzRecentModelsMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzRecentModels)
}
