/// The colour registers of a sixel image and the register of every pixel: the fixed cube
/// `SixelPalette` or a `FittedSixelPalette` made for one image.

import FlowCore
public protocol SixelColorMap: Sendable {
    /// The colour of each register, as a sixel decoder reproduces it.
    var colors: [RGB] { get }
    /// Each register's colour in sixel percent (0–100), as written in `#n;2;r;g;b`.
    var percents: [(r: Int, g: Int, b: Int)] { get }
    /// The register index of every pixel (`[H, W]`).
    func quantize(_ image: RGBImage) -> [UInt8]
}

extension SixelColorMap {
    /// The number of registers.
    public var count: Int { colors.count }

    /// The image as the registers show it: each pixel replaced by its register's colour.
    public func quantizedImage(_ image: RGBImage) -> RGBImage {
        let indices = quantize(image)
        var pixels = [UInt8](repeating: 0, count: indices.count * 3)
        for (i, index) in indices.enumerated() {
            let c = colors[Int(index)]
            pixels[3 * i] = c.r
            pixels[3 * i + 1] = c.g
            pixels[3 * i + 2] = c.b
        }
        return RGBImage(width: image.width, height: image.height, pixels: pixels)
    }
}

extension SixelPalette: SixelColorMap {}
