import FlowCore

extension RGBImage {
    /// The image resampled to `width × height`, each axis on its own: an axis that shrinks is
    /// area-averaged (each output pixel is the mean of the source area it covers, partial pixels
    /// weighted by coverage), an axis that grows uses the nearest source pixel, an axis that
    /// keeps its size is copied. Used to fit previews into a pane.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth >= 0 && newHeight >= 0, "negative target size \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        if newWidth == 0 || newHeight == 0 || width == 0 || height == 0 {
            return RGBImage(width: newWidth, height: newHeight)
        }
        let columns = Self.axisWeights(from: width, to: newWidth)
        let rows = Self.axisWeights(from: height, to: newHeight)

        // Horizontal pass: [H, W, 3] bytes → [H, W', 3] floats.
        var horizontal = [Float](repeating: 0, count: height * newWidth * 3)
        pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for (ox, taps) in columns.enumerated() {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        for tap in taps {
                            let s = 3 * (y * width + tap.index)
                            r += tap.weight * Float(src[s])
                            g += tap.weight * Float(src[s + 1])
                            b += tap.weight * Float(src[s + 2])
                        }
                        let d = 3 * (y * newWidth + ox)
                        dst[d] = r
                        dst[d + 1] = g
                        dst[d + 2] = b
                    }
                }
            }
        }
        // Vertical pass: [H, W', 3] floats → [H', W', 3] bytes.
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * 3)
        horizontal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (oy, taps) in rows.enumerated() {
                    for i in 0..<(newWidth * 3) {
                        var v: Float = 0
                        for tap in taps { v += tap.weight * src[tap.index * newWidth * 3 + i] }
                        dst[oy * newWidth * 3 + i] = RGBImage.byte(v)
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// The largest size with this image's aspect ratio that fits in `maxWidth × maxHeight`
    /// (at least 1×1 for a non-empty image), and the image resized to it.
    public func fitted(maxWidth: Int, maxHeight: Int) -> RGBImage {
        guard width > 0 && height > 0 else { return self }
        let scale = min(Double(maxWidth) / Double(width), Double(maxHeight) / Double(height))
        let w = max(1, min(maxWidth, Int((Double(width) * scale).rounded())))
        let h = max(1, min(maxHeight, Int((Double(height) * scale).rounded())))
        return resized(width: w, height: h)
    }

    struct Tap {
        var index: Int
        var weight: Float
    }

    /// For each output index along one axis, the source indices and weights that make it.
    static func axisWeights(from size: Int, to newSize: Int) -> [[Tap]] {
        if newSize == size {
            return (0..<size).map { [Tap(index: $0, weight: 1)] }
        }
        if newSize > size {
            // Nearest: the source pixel under the output pixel's centre.
            return (0..<newSize).map { o in
                let s = min(size - 1, (2 * o + 1) * size / (2 * newSize))
                return [Tap(index: s, weight: 1)]
            }
        }
        // Area average: output o covers source interval [o·s, (o+1)·s) with s = size / newSize.
        let s = Double(size) / Double(newSize)
        return (0..<newSize).map { o in
            let lo = Double(o) * s, hi = Double(o + 1) * s
            var taps: [Tap] = []
            var i = Int(lo.rounded(.down))
            while Double(i) < hi && i < size {
                let overlap = min(Double(i + 1), hi) - max(Double(i), lo)
                if overlap > 1e-9 { taps.append(Tap(index: i, weight: Float(overlap / s))) }
                i += 1
            }
            return taps
        }
    }
}
