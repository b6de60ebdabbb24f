// Draws scenes: hard-edged flat shapes, a pixel belonging to a shape when its centre is inside.

import FlowCore

/// Renders scenes at any square canvas size.
public enum ShapeRenderer {
    /// The scene drawn on a `size`×`size` canvas. Pixel (x, y) has its centre at
    /// ((x + 0.5) / size, (y + 0.5) / size) in canvas fractions; it takes the colour of the last
    /// object (in scene order) whose shape contains that centre, else the background.
    public static func render(_ scene: Scene, size: Int) -> RGBImage {
        var image = RGBImage(width: size, height: size, fill: scene.background.rgb)
        for object in scene.objects {
            let rgb = object.color.rgb
            forEachPixel(of: object, size: size) { x, y in
                let i = 3 * (y * size + x)
                image.pixels[i] = rgb.r
                image.pixels[i + 1] = rgb.g
                image.pixels[i + 2] = rgb.b
            }
        }
        return image
    }

    /// For each pixel, the index of the last object covering it, or -1 for background.
    /// // [size, size]
    public static func labels(_ scene: Scene, size: Int) -> [Int] {
        var labels = [Int](repeating: -1, count: size * size)
        for (index, object) in scene.objects.enumerated() {
            forEachPixel(of: object, size: size) { x, y in labels[y * size + x] = index }
        }
        return labels
    }

    /// True when, drawn at `size`, two objects overlap or touch: some pixel of one is covered by
    /// or 8-adjacent (diagonals included) to a pixel of another. The world never allows it.
    public static func objectsTouch(_ scene: Scene, size: Int) -> Bool {
        guard scene.objects.count > 1 else { return false }
        var labels = [Int](repeating: -1, count: size * size) // [size, size]
        var overlap = false
        for (index, object) in scene.objects.enumerated() {
            forEachPixel(of: object, size: size) { x, y in
                if labels[y * size + x] >= 0 { overlap = true }
                labels[y * size + x] = index
            }
        }
        if overlap { return true }
        // Touching: two 8-neighbours labelled with different objects (each pair looked at once).
        for y in 0..<size {
            for x in 0..<size {
                let a = labels[y * size + x]
                if a < 0 { continue }
                if x + 1 < size, case let b = labels[y * size + x + 1], b >= 0, b != a { return true }
                guard y + 1 < size else { continue }
                for nx in max(0, x - 1)...min(size - 1, x + 1) {
                    let b = labels[(y + 1) * size + nx]
                    if b >= 0 && b != a { return true }
                }
            }
        }
        return false
    }

    /// Calls `body(x, y)` for every pixel of a `size`×`size` canvas whose centre lies inside
    /// the object, scanning only the object's bounding box.
    static func forEachPixel(of object: SceneObject, size: Int, _ body: (Int, Int) -> Void) {
        let n = Double(size)
        let half = object.size.side / 2 * n // in pixels
        let cx = object.centerX * n, cy = object.centerY * n
        let x0 = max(0, Int((cx - half - 1).rounded(.down))), x1 = min(size - 1, Int((cx + half).rounded(.up)))
        let y0 = max(0, Int((cy - half - 1).rounded(.down))), y1 = min(size - 1, Int((cy + half).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            let dy = Double(y) + 0.5 - cy
            for x in x0...x1 where object.shape.contains(dx: Double(x) + 0.5 - cx, dy: dy, half: half) {
                body(x, y)
            }
        }
    }
}
