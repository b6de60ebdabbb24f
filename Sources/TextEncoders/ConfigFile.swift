import Foundation
import FlowCore

/// Decodes a small JSON config file (at most 1 MB) through `ReadableFile`; every failure is a
/// `TextModelError.configFile` naming the file.
func decodeConfigFile<T: Decodable>(_ type: T.Type, _ url: URL, what: String) throws -> T {
    let data: Data
    do {
        data = try ReadableFile.data(of: url, expected: what, maximumByteCount: 1 << 20)
    } catch {
        throw TextModelError.configFile(source: url.path, reason: "cannot read it: \(error)")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let error as DecodingError {
        throw TextModelError.configFile(source: url.path, reason: "not \(what): \(error.phrase())")
    } catch {
        throw TextModelError.configFile(source: url.path, reason: "not \(what): \(error)")
    }
}
