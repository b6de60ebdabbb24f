#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// File-system steps whose failures are reported in the system's own words.
public enum FileSystem {
    /// `mkdir -p`; on failure the reason as the system says it ("Permission denied"), or which
    /// path is a file where a folder should be. Nil on success.
    public static func createDirectories(_ url: URL) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? nil : "\(url.path) is a file, not a folder"
        }
        let parent = url.deletingLastPathComponent()
        if parent.path != url.path, let why = createDirectories(parent) { return why }
        guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else { return String(cString: strerror(errno)) }
        return nil
    }
}
