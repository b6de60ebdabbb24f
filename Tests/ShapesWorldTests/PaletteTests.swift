import FlowCore
import Testing
@testable import ShapesWorld

struct PaletteTests {
    @Test func exactSpecValues() {
        #expect(ObjectColor.allCases.map(\.name) == ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "white"])
        #expect(ObjectColor.red.rgb == RGB(220, 40, 40))
        #expect(ObjectColor.orange.rgb == RGB(245, 140, 20))
        #expect(ObjectColor.yellow.rgb == RGB(240, 220, 30))
        #expect(ObjectColor.green.rgb == RGB(40, 170, 60))
        #expect(ObjectColor.cyan.rgb == RGB(40, 200, 220))
        #expect(ObjectColor.blue.rgb == RGB(40, 70, 220))
        #expect(ObjectColor.purple.rgb == RGB(150, 60, 200))
        #expect(ObjectColor.white.rgb == RGB(245, 245, 245))
        #expect(BackgroundColor.allCases.map(\.name) == ["black", "gray", "navy", "beige"])
        #expect(BackgroundColor.black.rgb == RGB(15, 15, 15))
        #expect(BackgroundColor.gray.rgb == RGB(128, 128, 128))
        #expect(BackgroundColor.navy.rgb == RGB(20, 25, 70))
        #expect(BackgroundColor.beige.rgb == RGB(225, 210, 170))
    }

    @Test func contrastRuleIsTheSixtyDistance() {
        #expect(ShapesPalette.minimumContrast == 60)
        for color in ObjectColor.allCases {
            for bg in BackgroundColor.allCases {
                #expect(ShapesPalette.allows(color, on: bg) == (color.rgb.distance(to: bg.rgb) >= 60))
            }
        }
        // With this palette no pair is actually excluded: the closest is white on beige, √(20² + 35² + 75²).
        #expect(ShapesPalette.backgrounds(allowing: ObjectColor.allCases) == BackgroundColor.allCases)
        #expect(abs(ShapesPalette.smallestAllowedContrast - (400.0 + 1225 + 5625).squareRoot()) < 1e-9)
        // The checker's foreground threshold must sit well inside the smallest contrast.
        #expect(SceneCheckerConfig().foregroundThreshold < ShapesPalette.smallestAllowedContrast / 2)
    }

    @Test func nearestEntries() {
        for color in ObjectColor.allCases {
            #expect(ObjectColor.nearest(r: Double(color.rgb.r), g: Double(color.rgb.g), b: Double(color.rgb.b)) == color)
        }
        #expect(ObjectColor.nearest(r: 230, g: 60, b: 50) == .red)
        #expect(BackgroundColor.nearest(r: 30, g: 30, b: 60) == .navy)
        #expect(BackgroundColor.nearest(r: 120, g: 130, b: 125) == .gray)
    }
}
