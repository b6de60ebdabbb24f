import FlowCore
import Foundation

/// kitty's terminal graphics protocol (kitty, Ghostty, WezTerm, Konsole): APC commands
/// `ESC _G key=value,… ; BASE64 ESC \`.
///
/// A picture is transmitted and placed in one go (`a=T`) with an image id and a placement id,
/// so the next picture with the same ids replaces it instead of stacking; its payload (RGB
/// `f=24` or PNG `f=100`) is base64 in chunks of at most `chunkBytes` (`m=1` on all but the
/// last). `c=`/`r=` size it to the cells it may cover, `C=1` leaves the cursor where it was
/// and `q=2` keeps the terminal from answering.
public enum KittyGraphics {
    /// What the payload holds.
    public enum Format: Sendable, Equatable {
        /// 8-bit RGB pixels (`f=24`): no encoding cost, 4/3 × W × H × 3 bytes on the wire.
        case rgb
        /// A PNG file (`f=100`): smaller on the wire, costs a PNG encode.
        case png
    }

    /// One command: its keys and its (still base64) payload.
    public struct Command: Equatable, Sendable {
        public var keys: [String: String]
        public var payload: [UInt8]
        public init(keys: [String: String], payload: [UInt8]) {
            self.keys = keys
            self.payload = payload
        }
    }

    /// The most base64 bytes in one command (the protocol's limit).
    public static let chunkBytes = 4096
    /// The image id of the start-up query.
    public static let queryImageID = 31

    /// The support query: a 1×1 RGB image checked but not stored (`a=q`, `t=d`); a terminal
    /// that speaks the protocol answers `ESC _G i=31;OK ESC \`, the others ignore it (send DA1
    /// after it: every terminal answers that, so its reply ends the wait).
    public static var query: [UInt8] {
        command("i=\(queryImageID),s=1,v=1,a=q,t=d,f=24", payload: Array("AAAA".utf8))
    }

    /// One APC command `ESC _G keys ; payload ESC \` (no `;` when the payload is empty).
    public static func command(_ keys: String, payload: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = [0x1B, 0x5F, 0x47] + Array(keys.utf8)
        if !payload.isEmpty { out.append(0x3B); out += payload }
        out += [0x1B, 0x5C]
        return out
    }

    /// Transmits `image` and places it at the cursor over `columns × rows` cells with
    /// `imageID`/`placementID` (both ≥ 1): the commands in order, one per payload chunk, so that
    /// each can be written (or wrapped for tmux) on its own. `png` is the image's PNG encoding
    /// when `format` is `.png` (the caller encodes it, e.g. off the UI thread).
    public static func place(_ image: RGBImage, format: Format, png: [UInt8]? = nil, imageID: Int, placementID: Int,
                             columns: Int, rows: Int) -> [[UInt8]] {
        let data: [UInt8]
        let formatKeys: String
        if format == .png, let png {
            data = png
            formatKeys = "f=100"
        } else {
            data = image.pixels
            formatKeys = "f=24"
        }
        let base64 = Array(Data(data).base64EncodedData())
        let head = "a=T,\(formatKeys),s=\(image.width),v=\(image.height),i=\(imageID),p=\(placementID),"
            + "c=\(max(1, columns)),r=\(max(1, rows)),C=1,q=2"
        guard base64.count > chunkBytes else { return [command(head, payload: base64)] }
        var commands: [[UInt8]] = []
        var start = 0
        while start < base64.count {
            let end = min(start + chunkBytes, base64.count)
            let more = end < base64.count ? 1 : 0
            let keys = start == 0 ? head + ",m=1" : "m=\(more)"
            commands.append(command(keys, payload: Array(base64[start..<end])))
            start = end
        }
        return commands
    }

    /// Deletes every placement of `imageID` and frees its data (`a=d,d=I`).
    public static func delete(imageID: Int) -> [UInt8] {
        command("a=d,d=I,i=\(imageID),q=2")
    }

    /// The graphics commands in `bytes` (APC `ESC _G … ESC \`), in order; other bytes are
    /// skipped. Reads terminal answers (`i=31;OK`) and, in tests, what the encoder wrote.
    public static func parse(_ bytes: [UInt8]) -> [Command] {
        var commands: [Command] = []
        var i = 0
        while i + 2 < bytes.count {
            guard bytes[i] == 0x1B, bytes[i + 1] == 0x5F, bytes[i + 2] == 0x47 else { i += 1; continue }  // ESC _ G
            var j = i + 3
            while j + 1 < bytes.count, !(bytes[j] == 0x1B && bytes[j + 1] == 0x5C) { j += 1 }
            guard j + 1 < bytes.count else { break }  // unterminated
            let body = bytes[(i + 3)..<j]
            let semicolon = body.firstIndex(of: 0x3B)
            let keyText = String(decoding: body[body.startIndex..<(semicolon ?? body.endIndex)], as: UTF8.self)
            var keys: [String: String] = [:]
            for pair in keyText.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { keys[String(parts[0])] = String(parts[1]) }
            }
            let payload = semicolon.map { Array(body[($0 + 1)...]) } ?? []
            commands.append(Command(keys: keys, payload: payload))
            i = j + 2
        }
        return commands
    }

    /// The first transmission in `commands` put back together: the first chunk's keys and the
    /// decoded payload of all its chunks (up to the one with `m=0` or without `m`). nil when
    /// there is none or the base64 does not decode. The test oracle for `place`.
    public static func reassemble(_ commands: [Command]) -> (keys: [String: String], data: [UInt8])? {
        guard let first = commands.firstIndex(where: { $0.keys["a"] == "T" || $0.keys["a"] == "t" }) else { return nil }
        var base64: [UInt8] = []
        for command in commands[first...] {
            base64 += command.payload
            if (command.keys["m"] ?? "0") == "0" { break }
        }
        guard let data = Data(base64Encoded: Data(base64)) else { return nil }
        return (commands[first].keys, Array(data))
    }
}
