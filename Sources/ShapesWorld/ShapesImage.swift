// A plain 8-bit RGB raster, the format the renderer writes and the checker reads.
import FlowCore

/// An 8-bit sRGB image, rows top to bottom, pixels interleaved `r, g, b`: the same layout as
/// Imaging's `RGBImage` (this target does not depend on Imaging), so converting is
/// `ShapesImage(width: i.width, height: i.height, pixels: i.pixels)`.
public struct ShapesImage: Hashable, Sendable {
    public var width: Int
    public var height: Int
    /// `width * height * 3` bytes, row-major, channels interleaved. // [H, W, 3]
    public var pixels: [UInt8]

    /// An image from interleaved RGB bytes. The count must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size must be positive, got \(width)×\(height)")
        precondition(pixels.count == width * height * 3,
                     "a \(width)×\(height) RGB image needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour.
    public init(width: Int, height: Int, filledWith color: RGBColor) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = color.r
            pixels[3 * i + 1] = color.g
            pixels[3 * i + 2] = color.b
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The colour at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> RGBColor {
        get {
            let i = 3 * (y * width + x)
            return RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = 3 * (y * width + x)
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }

    /// The image as a training tensor: channels first, values mapped from 0…255 to [-1, 1]
    /// (`v / 127.5 - 1`). // [3, H, W]
    public var tensor: Tensor {
        let plane = width * height
        return Tensor(shape: [3, height, width]) { out in
            for i in 0..<plane {
                for c in 0..<3 {
                    out[c * plane + i] = Float(pixels[3 * i + c]) / 127.5 - 1
                }
            }
        }
    }

    /// An image from a tensor of shape [3, H, W] with values in [-1, 1] (the inverse of
    /// `tensor`); values are clamped and rounded to the nearest byte.
    public init(tensor: Tensor) {
        precondition(tensor.rank == 3 && tensor.shape[0] == 3,
                     "an RGB image needs a tensor of shape [3, H, W], got \(describeShape(tensor.shape))")
        let height = tensor.shape[1], width = tensor.shape[2], plane = width * height
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for c in 0..<3 {
                let v = (tensor.scalars[c * plane + i] + 1) * 127.5
                pixels[3 * i + c] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The image as a binary PPM (P6) file, a format every image tool reads; handy for looking
    /// at scenes without a PNG encoder.
    public var ppm: [UInt8] {
        Array("P6\n\(width) \(height)\n255\n".utf8) + pixels
    }
}
