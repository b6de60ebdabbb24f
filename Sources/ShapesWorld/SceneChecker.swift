// Reads a scene back from pixels with plain image analysis, and scores evaluation prompts.

import FlowCore

/// Settings of the checker.
public struct SceneCheckerConfig: Hashable, Sendable {
    /// A pixel is foreground when its RGB distance from the background reference exceeds this
    /// and it is nearer to some object colour than to the background (so an edge pixel blended
    /// half way counts with the side it is nearer to, and noise must cross half the contrast).
    /// The smallest object/background contrast the palette allows is about 85 (white on
    /// beige); keep this well under half of it.
    public var foregroundThreshold: Double = 25
    /// Regions with fewer pixels than `max(minimumRegionPixels, minimumRegionFraction × W × H)`
    /// are specks and ignored (at 32×32: 4 pixels; a small triangle there has about 20).
    public var minimumRegionPixels = 3
    public var minimumRegionFraction = 0.004

    public init() {}
}

/// Decides the scene in an image: background, objects, their shapes, colours and cells.
///
/// - background: every border pixel votes for its nearest background palette entry; the most
///   votes win. Foreground is measured against the mean of the winning border pixels (so a
///   slightly off background in a generated image still separates cleanly).
/// - objects: 8-connected regions of foreground pixels (at least `foregroundThreshold` off the
///   background and nearer to some object colour than to it), minus specks.
/// - colour: the object palette entry nearest to the region's mean colour (the mean over its
///   interior pixels when it has at least three, which on the generator's own images is the
///   same colour).
/// - shape: `ShapeFeatures` (fill of the bounding box, widest row, diagonal extent).
/// - cell: the grid cell whose centre is nearest the bounding box's centre.
public struct SceneChecker: Sendable {
    public var config: SceneCheckerConfig

    public init(config: SceneCheckerConfig = SceneCheckerConfig()) {
        self.config = config
    }

    /// Below this fraction of background-like pixels an image is not read as a scene (random
    /// colours reach about 10%; the fullest drawn scene leaves about 70%).
    public static let minimumBackgroundFraction = 0.25

    /// The smallest image side the checker reads.
    public static let minimumSide = 16

    /// Reads the scene in `image` (at least 16×16).
    public func analyze(_ image: RGBImage) -> DetectedScene {
        precondition(image.width >= Self.minimumSide && image.height >= Self.minimumSide,
                     "the checker needs an image of at least \(Self.minimumSide)×\(Self.minimumSide), got \(image.width)×\(image.height)")
        let w = image.width, h = image.height
        return image.pixels.withUnsafeBufferPointer { px in
            // Background: every border pixel votes for its nearest background entry.
            let backgrounds = BackgroundColor.allCases
            let palette = backgrounds.map { [Double($0.rgb.r), Double($0.rgb.g), Double($0.rgb.b)] }
            var votes = [Int](repeating: 0, count: backgrounds.count)
            var sums = [Double](repeating: 0, count: 3 * backgrounds.count) // [4, 3]
            var border: [Int] = []
            border.reserveCapacity(2 * (w + h))
            for x in 0..<w { border.append(x); border.append((h - 1) * w + x) }
            for y in 1..<(h - 1) { border.append(y * w); border.append(y * w + w - 1) }
            for p in border {
                let r = Double(px[3 * p]), g = Double(px[3 * p + 1]), b = Double(px[3 * p + 2])
                var best = 0, bestDistance = Double.infinity
                for k in 0..<palette.count {
                    let dr = r - palette[k][0], dg = g - palette[k][1], db = b - palette[k][2]
                    let d = dr * dr + dg * dg + db * db
                    if d < bestDistance { best = k; bestDistance = d }
                }
                votes[best] += 1
                sums[3 * best] += r; sums[3 * best + 1] += g; sums[3 * best + 2] += b
            }
            let winner = votes.indices.max { votes[$0] < votes[$1] }!
            let n = Double(votes[winner])
            let refR = sums[3 * winner] / n, refG = sums[3 * winner + 1] / n, refB = sums[3 * winner + 2] / n

            // Foreground mask: off the background reference, and nearer to an object colour.
            let threshold2 = config.foregroundThreshold * config.foregroundThreshold
            let objectColors = ObjectColor.allCases.map { [Double($0.rgb.r), Double($0.rgb.g), Double($0.rgb.b)] }
            var mask = [Bool](repeating: false, count: w * h) // [H, W]
            var backgroundLike = 0
            mask.withUnsafeMutableBufferPointer { mask in
                for p in 0..<(w * h) {
                    let r = Double(px[3 * p]), g = Double(px[3 * p + 1]), b = Double(px[3 * p + 2])
                    let toBackground = (r - refR) * (r - refR) + (g - refG) * (g - refG) + (b - refB) * (b - refB)
                    if toBackground <= 9 * threshold2 { backgroundLike += 1 }
                    guard toBackground > threshold2 else { continue }
                    for c in objectColors {
                        let d = (r - c[0]) * (r - c[0]) + (g - c[1]) * (g - c[1]) + (b - c[2]) * (b - c[2])
                        if d < toBackground {
                            mask[p] = true
                            break
                        }
                    }
                }
            }

            // 8-connected regions, flood-filled with a stack.
            let minimumPixels = max(config.minimumRegionPixels, Int(config.minimumRegionFraction * Double(w * h)))
            var objects: [DetectedObject] = []
            var specks = 0
            for region in Self.regions(of: mask, width: w, height: h) {
                if region.count < minimumPixels {
                    specks += 1
                } else {
                    objects.append(Self.describe(region, pixels: px, width: w, height: h))
                }
            }
            var scene = DetectedScene(background: backgrounds[winner], objects: objects, ignoredSpecks: specks)
            scene.backgroundFraction = Double(backgroundLike) / Double(w * h)
            return scene
        }
    }

    /// The 8-connected regions of `true` pixels in a `width`×`height` mask, each as its pixel
    /// indices, ordered by their first pixel in row-major order.
    static func regions(of mask: [Bool], width w: Int, height h: Int) -> [[Int]] {
        var result: [[Int]] = []
        var seen = [Bool](repeating: false, count: w * h) // [H, W]
        var stack: [Int] = []
        mask.withUnsafeBufferPointer { mask in
            seen.withUnsafeMutableBufferPointer { seen in
                for start in 0..<(w * h) where mask[start] && !seen[start] {
                    var region: [Int] = []
                    seen[start] = true
                    stack.append(start)
                    while let p = stack.popLast() {
                        region.append(p)
                        let x = p % w, y = p / w
                        for ny in max(0, y - 1)...min(h - 1, y + 1) {
                            for nx in max(0, x - 1)...min(w - 1, x + 1) {
                                let q = ny * w + nx
                                if mask[q] && !seen[q] {
                                    seen[q] = true
                                    stack.append(q)
                                }
                            }
                        }
                    }
                    result.append(region)
                }
            }
        }
        return result
    }

    /// Measures one region, given as pixel indices into a `width`×`height` RGB image.
    static func describe(_ region: [Int], pixels px: UnsafeBufferPointer<UInt8>,
                         width w: Int, height h: Int) -> DetectedObject {
        var x0 = Int.max, x1 = Int.min, y0 = Int.max, y1 = Int.min
        var s0 = Int.max, s1 = Int.min, d0 = Int.max, d1 = Int.min // spans of x + y and x - y
        var r = 0.0, g = 0.0, b = 0.0
        for p in region {
            let x = p % w, y = p / w
            x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            s0 = min(s0, x + y); s1 = max(s1, x + y); d0 = min(d0, x - y); d1 = max(d1, x - y)
            r += Double(px[3 * p]); g += Double(px[3 * p + 1]); b += Double(px[3 * p + 2])
        }
        let count = Double(region.count)
        let boxW = x1 - x0 + 1, boxH = y1 - y0 + 1
        var rowCounts = [Int](repeating: 0, count: boxH)
        var inBox = [Bool](repeating: false, count: boxW * boxH) // [boxH, boxW]
        for p in region {
            rowCounts[p / w - y0] += 1
            inBox[(p / w - y0) * boxW + p % w - x0] = true
        }
        // The colour is read from the interior (pixels whose four neighbours are in the region)
        // when there are a few such pixels: identical to the whole mean on hard-edged images,
        // and not pulled toward the background by blended edge pixels in generated ones.
        var ir = 0.0, ig = 0.0, ib = 0.0, interior = 0.0
        for p in region {
            let bx = p % w - x0, by = p / w - y0
            guard bx > 0, by > 0, bx < boxW - 1, by < boxH - 1,
                  inBox[by * boxW + bx - 1], inBox[by * boxW + bx + 1],
                  inBox[(by - 1) * boxW + bx], inBox[(by + 1) * boxW + bx] else { continue }
            ir += Double(px[3 * p]); ig += Double(px[3 * p + 1]); ib += Double(px[3 * p + 2])
            interior += 1
        }
        if interior < 3 { (ir, ig, ib, interior) = (r, g, b, count) }
        let widest = rowCounts.max()!
        var widestSum = 0, widestCount = 0
        for (row, c) in rowCounts.enumerated() where c == widest {
            widestSum += row
            widestCount += 1
        }
        let features = ShapeFeatures(
            fill: count / Double(boxW * boxH),
            widestRow: (Double(widestSum) / Double(widestCount) + 0.5) / Double(boxH),
            diagonalExtent: Double(s1 - s0 + 1 + d1 - d0 + 1) / Double(boxW + boxH))
        let centerX = (Double(x0 + x1) + 1) / 2 / Double(w)
        let centerY = (Double(y0 + y1) + 1) / 2 / Double(h)
        return DetectedObject(
            shape: features.shape,
            color: ObjectColor.nearest(r: ir / interior, g: ig / interior, b: ib / interior),
            cell: GridCell.nearest(x: centerX, y: centerY),
            pixelCount: region.count,
            boxX: x0, boxY: y0, boxWidth: boxW, boxHeight: boxH,
            meanRed: ir / interior, meanGreen: ig / interior, meanBlue: ib / interior,
            features: features)
    }

    /// Scores a prompt on an image: 1 (`correct`) or 0, with the reason.
    public func score(_ prompt: EvalPrompt, image: RGBImage) -> EvalVerdict {
        score(prompt.expected, in: analyze(image))
    }

    /// Scores an expectation against a scene already read, per the spec's table.
    public func score(_ expected: EvalExpectation, in scene: DetectedScene) -> EvalVerdict {
        guard scene.backgroundFraction >= Self.minimumBackgroundFraction else {
            return EvalVerdict(correct: false, reason: String(format: "no clear background (only %.0f%% of the image is near %@): not a readable scene",
                                                              100 * scene.backgroundFraction, scene.background.name))
        }
        let found = scene.objects
        func exactly(_ n: Int) -> EvalVerdict? {
            found.count == n ? nil
                : EvalVerdict(correct: false, reason: "found \(scene), expected exactly \(n) object\(n == 1 ? "" : "s")")
        }
        switch expected {
        case .shape(let shape):
            if let wrong = exactly(1) { return wrong }
            return found[0].shape == shape
                ? EvalVerdict(correct: true, reason: "one \(shape)")
                : EvalVerdict(correct: false, reason: "one \(found[0].shape), expected \(Self.noun(shape.name))")
        case .color(let pair):
            if let wrong = exactly(1) { return wrong }
            return found[0].composition == pair
                ? EvalVerdict(correct: true, reason: "one \(pair)")
                : EvalVerdict(correct: false, reason: "one \(found[0].composition), expected \(pair)")
        case .position(let pair, let cell):
            if let wrong = exactly(1) { return wrong }
            if found[0].composition != pair {
                return EvalVerdict(correct: false, reason: "one \(found[0].composition), expected \(pair)")
            }
            return found[0].cell == cell
                ? EvalVerdict(correct: true, reason: "one \(pair) at \(cell)")
                : EvalVerdict(correct: false, reason: "the \(pair) is at \(found[0].cell), expected \(cell)")
        case .twoObjects(let first, let second):
            if let wrong = exactly(2) { return wrong }
            let pairs = found.map(\.composition)
            let ok = (pairs[0] == first && pairs[1] == second) || (pairs[0] == second && pairs[1] == first)
            return ok
                ? EvalVerdict(correct: true, reason: "\(Self.noun(first)) and \(Self.noun(second))")
                : EvalVerdict(correct: false, reason: "found \(pairs[0]) and \(pairs[1]), expected \(first) and \(second)")
        case .counting(let n, let pair):
            if let wrong = exactly(n) { return wrong }
            let others = found.filter { $0.composition != pair }
            return others.isEmpty
                ? EvalVerdict(correct: true, reason: "\(n) \(pair)s")
                : EvalVerdict(correct: false, reason: "found \(scene), expected \(n) \(pair)s")
        case .background(let background, _):
            return scene.background == background
                ? EvalVerdict(correct: true, reason: "\(background) background")
                : EvalVerdict(correct: false, reason: "\(scene.background) background, expected \(background)")
        }
    }

    /// `an orange circle`.
    static func noun(_ pair: Composition) -> String {
        noun("\(pair.color.name) \(pair.shape.name)")
    }

    /// The words with `a` or `an` in front.
    static func noun(_ words: String) -> String {
        Caption.article(before: words) + " " + words
    }
}
