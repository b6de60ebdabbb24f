/// One 8-bit sRGB colour.
public struct RGB: Sendable, Hashable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Euclidean distance in RGB space (channels 0–255).
    public func distance(to other: RGB) -> Double {
        Self.distance(Double(r), Double(g), Double(b), other)
    }

    /// Euclidean distance from a real-valued colour (e.g. a region's mean) to `other`.
    public static func distance(_ r: Double, _ g: Double, _ b: Double, _ other: RGB) -> Double {
        let dr = r - Double(other.r), dg = g - Double(other.g), db = b - Double(other.b)
        return (dr * dr + dg * dg + db * db).squareRoot()
    }

    public var description: String { "(\(r), \(g), \(b))" }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)
    public static let red = RGB(255, 0, 0)
    public static let green = RGB(0, 255, 0)
    public static let blue = RGB(0, 0, 255)
}
