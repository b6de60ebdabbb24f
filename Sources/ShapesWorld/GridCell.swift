// The 3×3 grid of positions.

/// One cell of the 3×3 position grid. Cell centres are at 0.25, 0.5 and 0.75 of the canvas
/// width and height; cases are in reading order (row by row, top first).
public enum GridCell: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case topLeft, top, topRight, left, center, right, bottomLeft, bottom, bottomRight

    /// The grid column, 0 (left) to 2 (right).
    public var column: Int { rawValue % 3 }
    /// The grid row, 0 (top) to 2 (bottom).
    public var row: Int { rawValue / 3 }

    /// The cell at a grid column and row (each 0...2).
    public init(column: Int, row: Int) {
        precondition((0...2).contains(column) && (0...2).contains(row),
                     "grid column and row must be 0...2, got (\(column), \(row))")
        self.init(rawValue: row * 3 + column)!
    }

    /// The cell centre's x as a fraction of the width (0.25, 0.5, 0.75).
    public var centerX: Double { 0.25 + 0.25 * Double(column) }
    /// The cell centre's y as a fraction of the height, downward (0.25, 0.5, 0.75).
    public var centerY: Double { 0.25 + 0.25 * Double(row) }

    /// The cell whose centre is nearest to a point given in fractions of the canvas.
    public static func nearest(x: Double, y: Double) -> GridCell {
        func index(_ v: Double) -> Int { v < 0.375 ? 0 : (v < 0.625 ? 1 : 2) }
        return GridCell(column: index(x), row: index(y))
    }

    /// The cell's name (`top left`, `center`, …).
    public var name: String {
        switch self {
        case .topLeft: "top left"
        case .top: "top"
        case .topRight: "top right"
        case .left: "left"
        case .center: "center"
        case .right: "right"
        case .bottomLeft: "bottom left"
        case .bottom: "bottom"
        case .bottomRight: "bottom right"
        }
    }

    /// The caption's position phrase (`in the center`, `at the top left`, `on the left`, …).
    public var phrase: String {
        switch self {
        case .center: "in the center"
        case .left, .right: "on the " + name
        default: "at the " + name
        }
    }

    public var description: String { name }
}
