import ArgumentParser
import Foundation

/// The file URL of a path given as `option`; an empty path is refused (Foundation would take
/// it as the current directory, and the error would then name a folder the user never typed).
func fileURL(_ path: String, option: String) throws -> URL {
    guard !path.isEmpty else { throw ValidationError("\(option) is empty; give a path") }
    return URL(fileURLWithPath: path)
}
