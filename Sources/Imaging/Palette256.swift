/// The xterm 256-colour palette's fixed part: the 6×6×6 cube (16–231) and the grey ramp
/// (232–255). Indices 0–15 are never produced: users theme them, so they are not a fixed colour.

import FlowCore
public enum Palette256 {
    /// The cube's levels per channel.
    public static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    /// The cube level index (0–5) for one channel value: `v<48 ? 0 : v<114 ? 1 : (v−35)/40`.
    @inline(__always)
    public static func cubeLevel(_ v: UInt8) -> Int {
        v < 48 ? 0 : v < 114 ? 1 : (Int(v) - 35) / 40
    }

    /// The palette index (16–255) for a colour: the nearer (squared RGB distance) of the cube
    /// colour `16 + 36r + 6g + b` and the grey `232 + i` (value `8 + 10i`) nearest the mean of
    /// the channels; the cube wins ties.
    public static func index(_ color: RGB) -> UInt8 {
        let r = cubeLevel(color.r), g = cubeLevel(color.g), b = cubeLevel(color.b)
        let cube = RGB(cubeLevels[r], cubeLevels[g], cubeLevels[b])
        let mean = (Int(color.r) + Int(color.g) + Int(color.b)) / 3
        let greyStep = min(23, max(0, (mean - 3) / 10))
        let greyValue = UInt8(8 + 10 * greyStep)
        let grey = RGB(greyValue, greyValue, greyValue)
        if distance(color, grey) < distance(color, cube) { return UInt8(232 + greyStep) }
        return UInt8(16 + 36 * r + 6 * g + b)
    }

    /// The colour of palette index 16–255 (indices below 16 are themed and have none).
    public static func color(_ index: UInt8) -> RGB {
        precondition(index >= 16, "palette indices 0–15 are user-themed and have no fixed colour")
        if index >= 232 {
            let v = UInt8(8 + 10 * (Int(index) - 232))
            return RGB(v, v, v)
        }
        let i = Int(index) - 16
        return RGB(cubeLevels[i / 36], cubeLevels[i / 6 % 6], cubeLevels[i % 6])
    }

    @inline(__always)
    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }
}
