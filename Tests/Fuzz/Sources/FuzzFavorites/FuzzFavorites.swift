import Foundation
import FuzzSupport
import Studio

/// `favorites.json`, loaded by the studio's `FavoritesStore` (bad entries skipped, an unreadable
/// file moved aside), and the accepted entries saved back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFavorites(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let store = FavoritesStore(directory: ScratchFile.directory)
    _ = ScratchFile.write(FuzzInput(data, size).bytes, named: "favorites.json")
    let (entries, _) = store.load(now: Date(timeIntervalSince1970: 1_800_000_000))
    if !entries.isEmpty { try? store.save(entries) }
    // A file moved aside must not pile up over a run.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: ScratchFile.directory.path)) ?? []
    where name.hasPrefix("favorites.json.") {
        try? FileManager.default.removeItem(at: ScratchFile.directory.appendingPathComponent(name))
    }
    return 0
}

@_cdecl("FuzzFavorites_main")
public func fuzzFavoritesMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzFavorites)
}
