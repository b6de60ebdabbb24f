// The Shapes world's colours: 8 object colours, 4 backgrounds, and the contrast rule that keeps
// every object visible on its background (docs: /work/shared/shapes-world.md, "Palette").

/// An sRGB colour with 8-bit channels.
public struct RGBColor: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Euclidean distance in RGB space (channels 0–255).
    public func distance(to other: RGBColor) -> Double {
        Self.distance(Double(r), Double(g), Double(b), other)
    }

    /// Euclidean distance from a real-valued colour (e.g. a region's mean) to `other`.
    public static func distance(_ r: Double, _ g: Double, _ b: Double, _ other: RGBColor) -> Double {
        let dr = r - Double(other.r), dg = g - Double(other.g), db = b - Double(other.b)
        return (dr * dr + dg * dg + db * db).squareRoot()
    }

    public var description: String { "(\(r), \(g), \(b))" }
}

/// The eight colours an object can have.
public enum ObjectColor: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case red, orange, yellow, green, cyan, blue, purple, white

    /// The exact sRGB value drawn for this colour.
    public var rgb: RGBColor {
        switch self {
        case .red: RGBColor(220, 40, 40)
        case .orange: RGBColor(245, 140, 20)
        case .yellow: RGBColor(240, 220, 30)
        case .green: RGBColor(40, 170, 60)
        case .cyan: RGBColor(40, 200, 220)
        case .blue: RGBColor(40, 70, 220)
        case .purple: RGBColor(150, 60, 200)
        case .white: RGBColor(245, 245, 245)
        }
    }

    /// The caption word (`red`, `orange`, …).
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The palette entry nearest to a (mean) colour.
    public static func nearest(r: Double, g: Double, b: Double) -> ObjectColor {
        allCases.min { RGBColor.distance(r, g, b, $0.rgb) < RGBColor.distance(r, g, b, $1.rgb) }!
    }
}

/// The four background colours.
public enum BackgroundColor: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case black, gray, navy, beige

    /// The exact sRGB value drawn for this background.
    public var rgb: RGBColor {
        switch self {
        case .black: RGBColor(15, 15, 15)
        case .gray: RGBColor(128, 128, 128)
        case .navy: RGBColor(20, 25, 70)
        case .beige: RGBColor(225, 210, 170)
        }
    }

    /// The caption word (`black`, `gray`, …).
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The background entry nearest to a colour.
    public static func nearest(r: Double, g: Double, b: Double) -> BackgroundColor {
        allCases.min { RGBColor.distance(r, g, b, $0.rgb) < RGBColor.distance(r, g, b, $1.rgb) }!
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
