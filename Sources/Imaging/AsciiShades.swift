/// Renders an image as plain characters chosen by brightness, for terminals without colour.
///
/// Each character covers 1×2 pixels (one column, two rows), matching the aspect of a
/// terminal cell; its brightness is the mean Rec. 601 luma `(299r + 587g + 114b) / 1000` of
/// the two pixels (only the top one on an odd last row). The default ramp runs dark to
/// bright for a dark terminal background; pass the ramp reversed for a light one.

import FlowCore
public enum AsciiShades {
    /// Characters from darkest to brightest.
    public static let defaultRamp: [Character] = Array(" .:-=+*#%@")

    /// One string per pair of pixel rows (`ceil(height / 2)` lines of `width` characters).
    public static func render(_ image: RGBImage, ramp: [Character] = defaultRamp) -> [String] {
        precondition(!ramp.isEmpty, "the shade ramp needs at least one character")
        var lines: [String] = []
        var y = 0
        while y < image.height {
            var line = ""
            for x in 0..<image.width {
                var luma = self.luma(image[x: x, y: y])
                if y + 1 < image.height { luma = (luma + self.luma(image[x: x, y: y + 1])) / 2 }
                line.append(ramp[luma * ramp.count / 256])
            }
            lines.append(line)
            y += 2
        }
        return lines
    }

    /// Rec. 601 luma of a colour, 0–255.
    @inline(__always)
    public static func luma(_ c: RGB) -> Int {
        (299 * Int(c.r) + 587 * Int(c.g) + 114 * Int(c.b)) / 1000
    }
}
