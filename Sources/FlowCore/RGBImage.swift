/// An 8-bit RGB picture: `pixels` holds `width * height * 3` bytes, interleaved R G B,
/// rows top to bottom, each row left to right.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `[H, W, 3]` row-major.
    public var pixels: [UInt8]

    /// An image from interleaved RGB bytes; `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        precondition(pixels.count == width * height * 3,
                     "a \(width)×\(height) RGB image needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour.
    public init(width: Int, height: Int, fill: RGB = .black) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if fill != .black {
            for i in 0..<(width * height) {
                pixels[3 * i] = fill.r
                pixels[3 * i + 1] = fill.g
                pixels[3 * i + 2] = fill.b
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// An image from a channel-first tensor `[3, H, W]` whose values lie in [-1, 1]
    /// (the model's pixel space): byte = round((v + 1) / 2 · 255), clamped; NaN becomes 0.
    public init(signedUnitTensor tensor: Tensor) {
        self.init(tensor: tensor, scale: 127.5, offset: 127.5)
    }

    /// An image from a channel-first tensor `[3, H, W]` whose values lie in [0, 1]:
    /// byte = round(v · 255), clamped; NaN becomes 0.
    public init(unitTensor tensor: Tensor) {
        self.init(tensor: tensor, scale: 255, offset: 0)
    }

    private init(tensor: Tensor, scale: Float, offset: Float) {
        precondition(tensor.rank == 3 && tensor.shape[0] == 3,
                     "an RGB image needs a [3, H, W] tensor, got \(describeShape(tensor.shape))")
        let h = tensor.shape[1], w = tensor.shape[2]
        let plane = h * w
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        tensor.scalars.withUnsafeBufferPointer { src in     // [3, H, W]
            pixels.withUnsafeMutableBufferPointer { dst in  // [H, W, 3]
                for c in 0..<3 {
                    for i in 0..<plane {
                        dst[3 * i + c] = RGBImage.byte(src[c * plane + i] * scale + offset)
                    }
                }
            }
        }
        self.init(width: w, height: h, pixels: pixels)
    }

    /// Rounds and clamps a value to 0...255; NaN maps to 0.
    @inline(__always)
    public static func byte(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }  // also catches NaN
        return v >= 255 ? 255 : UInt8(v.rounded())
    }

    /// The image in the model's pixel space: a channel-first tensor `[3, H, W]` with values in
    /// [-1, 1] (`byte / 127.5 − 1`), the inverse of `init(signedUnitTensor:)` up to rounding.
    /// Training data goes through this, generated images through that initialiser: one mapping.
    public func signedUnitTensor() -> Tensor {
        let plane = width * height
        return Tensor(shape: [3, height, width]) { dst in
            for i in 0..<plane {
                for c in 0..<3 { dst[c * plane + i] = Float(pixels[3 * i + c]) / 127.5 - 1 }
            }
        }
    }

    /// The image as a channel-first tensor `[3, H, W]` with values in [0, 1].
    public func unitTensor() -> Tensor {
        let plane = width * height
        return Tensor(shape: [3, height, width]) { dst in
            for i in 0..<plane {
                for c in 0..<3 { dst[c * plane + i] = Float(pixels[3 * i + c]) / 255 }
            }
        }
    }

    /// The colour at column `x`, row `y`.
    public subscript(x x: Int, y y: Int) -> RGB {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)×\(height)")
            let i = 3 * (y * width + x)
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)×\(height)")
            let i = 3 * (y * width + x)
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }

    /// Fills a rectangle, clipped to the image.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1 && y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { self[x: xx, y: yy] = color }
        }
    }

    /// Copies `image` into this one with its top-left corner at (x, y), clipped to this image.
    public mutating func paste(_ image: RGBImage, x: Int, y: Int) {
        let x0 = max(0, x), x1 = min(width, x + image.width)
        guard x0 < x1 else { return }
        for sy in 0..<image.height {
            let dy = y + sy
            guard dy >= 0 && dy < height else { continue }
            let src = 3 * (sy * image.width + (x0 - x))
            let dst = 3 * (dy * width + x0)
            pixels.replaceSubrange(dst..<(dst + 3 * (x1 - x0)), with: image.pixels[src..<(src + 3 * (x1 - x0))])
        }
    }

    /// The `width × height` rectangle whose top-left corner is (x, y); it must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= width && y + h <= height,
                     "crop \(w)×\(h) at (\(x), \(y)) does not fit in \(width)×\(height)")
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for row in y..<(y + h) {
            let start = 3 * (row * width + x)
            out.append(contentsOf: pixels[start..<(start + 3 * w)])
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// Each pixel repeated as a `factor × factor` block (nearest-neighbour upscale).
    public func scaled(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "scale factor must be at least 1, got \(factor)")
        if factor == 1 { return self }
        let w = width * factor, h = height * factor
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let sy = y / factor
            for x in 0..<w {
                let s = 3 * (sy * width + x / factor), d = 3 * (y * w + x)
                out[d] = pixels[s]
                out[d + 1] = pixels[s + 1]
                out[d + 2] = pixels[s + 2]
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
