import FlowCore
import Generation
import Imaging

/// An X/Y grid in the studio: the sweep, every cell's settings and (once made) image, the cell
/// running, and the cell selected on the sheet. The cells run one after another as ordinary
/// runs of the worker (Esc cancels the one running and stops the grid); the sheet is made again
/// whenever a cell changes, the running cell showing its newest step.
public struct GridRun: Sendable {
    public enum Phase: Equatable, Sendable { case running, finished, stopped }

    /// Which grid of the session this is (1, 2, …): part of the preview's key.
    public var number = 0
    public var sweep: Sweep
    /// The settings the sweep was applied to (what the sheet's parameters record).
    public var base: GenerationSettings
    /// Every cell's settings, row-major.
    public var cells: [GenerationSettings]
    /// The finished cells' images.
    public var images: [RGBImage?]
    /// The cell running, and the id of its run.
    public var current: Int?
    public var runID = 0
    public var phase = Phase.running
    /// The selected cell on the sheet, and whether it is shown full size.
    public var selection = 0
    public var cellOpen = false
    /// The contact sheet as it stands (the selection framed), and a number that changes with it.
    public private(set) var sheet: RGBImage
    public private(set) var version = 0
    /// The running cell's newest step preview.
    var runningPreview: RGBImage?
    /// Seconds the finished cells took.
    public var seconds = 0.0

    public init(sweep: Sweep, base: GenerationSettings) {
        self.sweep = sweep
        self.base = base
        cells = sweep.cells(base: base)
        images = Array(repeating: nil, count: cells.count)
        sheet = RGBImage(width: 0, height: 0)
        rebuild()
    }

    public var finishedCount: Int { images.lazy.filter { $0 != nil }.count }

    /// The sheet, with the selection framed (`highlight`) or not (what is saved).
    public func makeSheet(highlight: Bool) -> RGBImage {
        var shown = images
        if let current, shown[current] == nil { shown[current] = runningPreview }
        let w = base.width, h = base.height
        return RGBImage.labelledGrid(shown, columns: sweep.columns, cellWidth: w, cellHeight: h,
                                     columnLabels: (0..<sweep.columns).map(sweep.x.label),
                                     rowLabels: sweep.y.map { y in (0..<y.values.count).map(y.label) } ?? [],
                                     highlight: highlight ? selection : nil)
    }

    mutating func rebuild() {
        sheet = makeSheet(highlight: true)
        version += 1
    }

    /// Moves the selection by `dx` columns and `dy` rows (clamped to the grid).
    mutating func move(dx: Int, dy: Int) {
        let column = min(max(selection % sweep.columns + dx, 0), sweep.columns - 1)
        let row = min(max(selection / sweep.columns + dy, 0), sweep.rows - 1)
        selection = row * sweep.columns + column
        rebuild()
    }

    /// A step of the running cell.
    mutating func step(_ preview: RGBImage) {
        runningPreview = preview
        rebuild()
    }

    /// The running cell finished with `image`; returns the next cell to run, if any.
    mutating func finished(_ image: RGBImage, seconds: Double) -> Int? {
        if let current { images[current] = image }
        self.seconds += seconds
        runningPreview = nil
        let next = (current ?? -1) + 1
        if next < cells.count {
            current = next
        } else {
            current = nil
            phase = .finished
        }
        rebuild()
        return current
    }

    /// The running cell stopped (cancelled, failed, or replaced by another run).
    mutating func stop() {
        phase = .stopped
        current = nil
        runningPreview = nil
        rebuild()
    }

    /// The picture the preview pane shows: the sheet, or the selected cell full size (its newest
    /// step while it runs); with a key that changes with the picture.
    var displayed: (key: String, image: RGBImage)? {
        if cellOpen {
            if let image = images[selection] { return ("grid\(number)-cell\(selection)-v\(version)", image) }
            if selection == current, let runningPreview { return ("grid\(number)-cell\(selection)-v\(version)", runningPreview) }
            return nil
        }
        return ("grid\(number)-sheet-v\(version)", sheet)
    }

    /// "seed 2 · cfg 5": the selected cell's values.
    public var selectionLabel: String {
        let x = sweep.x.label(selection % sweep.columns)
        return sweep.y.map { "\(x) · \($0.label(selection / sweep.columns))" } ?? x
    }
}
