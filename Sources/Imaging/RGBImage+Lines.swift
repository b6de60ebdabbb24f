import FlowCore

extension RGBImage {
    /// Draws a straight segment from (x0, y0) to (x1, y1) (Bresenham), each point a
    /// `thickness × thickness` square centred on the line; clipped to the image.
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, color: RGB, thickness: Int = 1) {
        let t = max(1, thickness), half = (t - 1) / 2
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        // At most this many points: a segment far outside the image still ends.
        for _ in 0...(dx - dy) {
            fill(x: x - half, y: y - half, width: t, height: t, color: color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }
}
