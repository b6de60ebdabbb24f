import FlowCore

extension RGBImage {
    /// A deterministic test picture: a hue sweep left to right fading to black at the bottom,
    /// a grey ramp across the top eighth, colour bars across the bottom eighth and a white ring
    /// in the middle. It exercises smooth gradients (dithering), flat runs (RLE) and edges.
    public static func testPattern(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let bars: [RGB] = [.white, RGB(255, 255, 0), RGB(0, 255, 255), .green, RGB(255, 0, 255), .red, .blue, .black]
        let cx = Double(width) / 2, cy = Double(height) / 2
        let radius = Double(min(width, height)) * 0.3
        for y in 0..<height {
            for x in 0..<width {
                let color: RGB
                let fx = width > 1 ? Double(x) / Double(width - 1) : 0
                let fy = height > 1 ? Double(y) / Double(height - 1) : 0
                let distance = ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx)
                                + (Double(y) + 0.5 - cy) * (Double(y) + 0.5 - cy)).squareRoot()
                if y < height / 8 {
                    let v = UInt8((fx * 255).rounded())
                    color = RGB(v, v, v)
                } else if y >= height - height / 8 {
                    color = bars[min(bars.count - 1, x * bars.count / max(1, width))]
                } else if abs(distance - radius) < Double(min(width, height)) * 0.02 + 0.5 {
                    color = .white
                } else {
                    color = hue(fx, brightness: 1 - fy * 0.85)
                }
                image[x: x, y: y] = color
            }
        }
        return image
    }

    /// A fully saturated colour at hue `h` in [0, 1], scaled by `brightness`.
    private static func hue(_ h: Double, brightness: Double) -> RGB {
        let sector = h * 6
        let f = sector - sector.rounded(.down)
        let (r, g, b): (Double, Double, Double)
        switch Int(sector) % 6 {
        case 0: (r, g, b) = (1, f, 0)
        case 1: (r, g, b) = (1 - f, 1, 0)
        case 2: (r, g, b) = (0, 1, f)
        case 3: (r, g, b) = (0, 1 - f, 1)
        case 4: (r, g, b) = (f, 0, 1)
        default: (r, g, b) = (1, 0, 1 - f)
        }
        func byte(_ v: Double) -> UInt8 { UInt8((v * brightness * 255).rounded()) }
        return RGB(byte(r), byte(g), byte(b))
    }
}
