import Foundation

/// iTerm2's inline images (iTerm2, WezTerm, mlterm):
/// `ESC ] 1337 ; File=inline=1;size=N;width=Ncells;height=Ncells;preserveAspectRatio=0 : BASE64(PNG) BEL`.
/// The picture is drawn into the cells from the cursor on, like text (a repaint erases it).
public enum ITerm2Image {
    /// The sequence that draws `png` (a PNG file's bytes) over `columns × rows` cells at the cursor.
    public static func inline(png: [UInt8], columns: Int, rows: Int) -> [UInt8] {
        var out = Array("\u{1B}]1337;File=inline=1;size=\(png.count);width=\(max(1, columns));height=\(max(1, rows));preserveAspectRatio=0:".utf8)
        out += Array(Data(png).base64EncodedData())
        out.append(0x07)
        return out
    }

    /// The arguments and the decoded file of the first inline image in `bytes`; nil when there
    /// is none or its base64 does not decode. The test oracle for `inline`.
    public static func parse(_ bytes: [UInt8]) -> (arguments: [String: String], file: [UInt8])? {
        let opening = Array("\u{1B}]1337;File=".utf8)
        guard let start = (0...max(0, bytes.count - opening.count)).first(where: {
            bytes.count >= $0 + opening.count && Array(bytes[$0..<($0 + opening.count)]) == opening
        }) else { return nil }
        let body = bytes[(start + opening.count)...]
        guard let colon = body.firstIndex(of: 0x3A), let bell = body[colon...].firstIndex(of: 0x07) else { return nil }
        var arguments: [String: String] = [:]
        for pair in String(decoding: body[body.startIndex..<colon], as: UTF8.self).split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { arguments[String(parts[0])] = String(parts[1]) }
        }
        guard let data = Data(base64Encoded: Data(body[(colon + 1)..<bell])) else { return nil }
        return (arguments, Array(data))
    }
}
