// The Shapes world's colours: 8 object colours, 4 backgrounds, and the contrast rule that keeps
// every object visible on its background (docs: /work/shared/shapes-world.md, "Palette").

import FlowCore

/// The eight colours an object can have.
public enum ObjectColor: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case red, orange, yellow, green, cyan, blue, purple, white

    /// The exact sRGB value drawn for this colour.
    public var rgb: RGB {
        switch self {
        case .red: RGB(220, 40, 40)
        case .orange: RGB(245, 140, 20)
        case .yellow: RGB(240, 220, 30)
        case .green: RGB(40, 170, 60)
        case .cyan: RGB(40, 200, 220)
        case .blue: RGB(40, 70, 220)
        case .purple: RGB(150, 60, 200)
        case .white: RGB(245, 245, 245)
        }
    }

    /// The caption word (`red`, `orange`, …).
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The palette entry nearest to a (mean) colour.
    public static func nearest(r: Double, g: Double, b: Double) -> ObjectColor {
        allCases.min { RGB.distance(r, g, b, $0.rgb) < RGB.distance(r, g, b, $1.rgb) }!
    }
}

/// The four background colours.
public enum BackgroundColor: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case black, gray, navy, beige

    /// The exact sRGB value drawn for this background.
    public var rgb: RGB {
        switch self {
        case .black: RGB(15, 15, 15)
        case .gray: RGB(128, 128, 128)
        case .navy: RGB(20, 25, 70)
        case .beige: RGB(225, 210, 170)
        }
    }

    /// The caption word (`black`, `gray`, …).
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The background entry nearest to a colour.
    public static func nearest(r: Double, g: Double, b: Double) -> BackgroundColor {
        allCases.min { RGB.distance(r, g, b, $0.rgb) < RGB.distance(r, g, b, $1.rgb) }!
    }
}

/// The contrast rule between object colours and backgrounds.
public enum ShapesPalette {
    /// An object is never drawn on a background whose colour is within this Euclidean RGB
    /// distance of the object's colour.
    public static let minimumContrast: Double = 60

    /// True when an object of colour `color` may be drawn on `background`
    /// (their RGB distance is at least `minimumContrast`).
    public static func allows(_ color: ObjectColor, on background: BackgroundColor) -> Bool {
        color.rgb.distance(to: background.rgb) >= minimumContrast
    }

    /// The backgrounds on which every one of `colors` may be drawn, in palette order.
    public static func backgrounds(allowing colors: [ObjectColor]) -> [BackgroundColor] {
        BackgroundColor.allCases.filter { bg in colors.allSatisfy { allows($0, on: bg) } }
    }

    /// The smallest RGB distance between any object colour and any background it may be drawn
    /// on. The checker's foreground threshold must stay well below this.
    public static var smallestAllowedContrast: Double {
        var smallest = Double.infinity
        for color in ObjectColor.allCases {
            for bg in BackgroundColor.allCases where allows(color, on: bg) {
                smallest = min(smallest, color.rgb.distance(to: bg.rgb))
            }
        }
        return smallest
    }
}
