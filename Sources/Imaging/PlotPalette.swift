import FlowCore

/// Line colours that stay apart on white and for most colour-blind readers (Tableau 10, in its
/// order); variant i takes colour i mod 10.
public enum PlotPalette {
    public static let colors: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
    ]

    /// The colour of the `index`-th series.
    public static func color(_ index: Int) -> RGB { colors[((index % colors.count) + colors.count) % colors.count] }
}
