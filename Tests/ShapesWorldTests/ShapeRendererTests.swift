import Testing
import FlowCore
@testable import ShapesWorld

struct ShapeRendererTests {
    /// The plain-loop twin: tests every pixel of the canvas against every object.
    static func referenceRender(_ scene: Scene, size: Int) -> RGBImage {
        var image = RGBImage(width: size, height: size, fill: scene.background.rgb)
        let n = Double(size)
        for y in 0..<size {
            for x in 0..<size {
                for object in scene.objects {
                    let dx = (Double(x) + 0.5) / n - object.centerX
                    let dy = (Double(y) + 0.5) / n - object.centerY
                    if object.shape.contains(dx: dx * n, dy: dy * n, half: object.size.side / 2 * n) {
                        image[x: x, y: y] = object.color.rgb
                    }
                }
            }
        }
        return image
    }

    static func one(_ shape: ShapeKind, _ size: ShapeSize, jitterX: Double = 0, jitterY: Double = 0) -> Scene {
        Scene(kind: .oneObject, background: .black,
              objects: [SceneObject(shape: shape, color: .white, size: size, cell: .center, jitterX: jitterX, jitterY: jitterY)])
    }

    static func rowWidths(_ image: RGBImage) -> [Int] {
        (0..<image.height).map { y in (0..<image.width).filter { image[x: $0, y: y] != BackgroundColor.black.rgb }.count }
            .filter { $0 > 0 }
    }

    @Test func matchesThePlainLoopTwin() throws {
        let generator = try SceneGenerator(seed: 11)
        for index in 0..<60 {
            let scene = generator.scene(at: index)
            for size in [16, 32, 37, 64] {
                #expect(ShapeRenderer.render(scene, size: size) == Self.referenceRender(scene, size: size))
            }
        }
    }

    @Test func squareCoversItsBoxExactly() {
        // A small square at the centre of 64×64: side 12.8 px centred on 32, so columns/rows 26…37.
        let image = ShapeRenderer.render(Self.one(.square, .small), size: 64)
        for y in 0..<64 {
            for x in 0..<64 {
                let inside = (26...37).contains(x) && (26...37).contains(y)
                #expect((image[x: x, y: y] == ObjectColor.white.rgb) == inside)
            }
        }
    }

    @Test func shapesHaveTheirProfiles() {
        let triangle = Self.rowWidths(ShapeRenderer.render(Self.one(.triangle, .large), size: 64))
        #expect(triangle.count >= 22 && triangle.count <= 24)
        #expect(triangle.last! == triangle.max()!)         // widest at the bottom
        #expect(triangle.first! <= 2)                      // apex up
        #expect(triangle == triangle.sorted())             // never narrower going down
        #expect(abs(triangle.last! - triangle.count) <= 1) // width = height

        let diamond = Self.rowWidths(ShapeRenderer.render(Self.one(.diamond, .large), size: 64))
        let middle = diamond.count / 2
        #expect(diamond[middle - 1...middle].max()! == diamond.max()!)
        #expect(diamond.first! <= 2 && diamond.last! <= 2)

        let circle = Self.rowWidths(ShapeRenderer.render(Self.one(.circle, .large), size: 64))
        let area = Double(circle.reduce(0, +))
        let radius = 0.18 * 64
        #expect(abs(area - Double.pi * radius * radius) < 0.05 * Double.pi * radius * radius)
    }

    @Test func laterObjectsDrawOverEarlierOnes() {
        let scene = Scene(kind: .twoObjects, background: .gray, objects: [
            SceneObject(shape: .square, color: .red, size: .large, cell: .center),
            SceneObject(shape: .square, color: .blue, size: .small, cell: .center),
        ])
        let image = ShapeRenderer.render(scene, size: 32)
        #expect(image[x: 16, y: 16] == ObjectColor.blue.rgb)
        #expect(ShapeRenderer.objectsTouch(scene, size: 32))
    }

    @Test func touchingIncludesDiagonals() {
        // Two small squares at 20 px: 4 px wide each; place them so only corners are diagonal neighbours.
        let a = SceneObject(shape: .square, color: .red, size: .small, cell: .topLeft)
        var b = SceneObject(shape: .square, color: .blue, size: .small, cell: .center)
        let size = 20
        // a covers columns/rows 3…6 (centre 5 ± 2); put b's top-left pixel at (7, 7), then at (8, 8).
        b.centerX = 9.0 / 20; b.centerY = 9.0 / 20
        let labels = ShapeRenderer.labels(Scene(kind: .twoObjects, background: .black, objects: [a, b]), size: size)
        #expect(labels[6 * size + 6] == 0 && labels[7 * size + 7] == 1 && labels[6 * size + 7] == -1)
        #expect(ShapeRenderer.objectsTouch(Scene(kind: .twoObjects, background: .black, objects: [a, b]), size: size))
        b.centerX = 10.0 / 20; b.centerY = 10.0 / 20
        #expect(!ShapeRenderer.objectsTouch(Scene(kind: .twoObjects, background: .black, objects: [a, b]), size: size))
    }

    @Test func tensorIsChannelsFirstInSignedUnitRange() {
        let scene = Self.one(.circle, .large)
        let image = ShapeRenderer.render(scene, size: 32)
        let tensor = image.signedUnitTensor()
        #expect(tensor.shape == [3, 32, 32])
        #expect(tensor.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(abs(tensor[0, 0, 0] - (15 / 127.5 - 1)) < 1e-6)   // black background, red channel
        #expect(abs(tensor[2, 16, 16] - (245 / 127.5 - 1)) < 1e-6) // white disc, blue channel
        #expect(RGBImage(signedUnitTensor: tensor) == image)
    }
}
