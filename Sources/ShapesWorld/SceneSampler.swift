// Rejection sampling of scenes from a request: draw the attributes, then cells and jitter until
// the objects render apart at every canvas size that matters.

/// Draws scenes for `SceneGenerator`. Free attributes are drawn uniformly over what the request
/// and the rules allow, in a fixed order (pairs, background, sizes, then placement), so a seed
/// always gives the same scene.
struct SceneSampler {
    /// Canvas sizes at which objects must not overlap or touch.
    let separationSizes: [Int]

    func sample(_ request: SceneRequest, rng: inout ShapesRNG) throws -> Scene {
        let count = try objectCount(request, rng: &rng)
        var lastFailure = SceneRequestError.noPlacement("nothing tried")
        for _ in 0..<SceneGenerator.compositionAttempts {
            // 1. (shape, colour) pairs.
            var pairs: [Composition] = []
            var failed = false
            for index in 0..<(request.kind == .count ? 1 : count) {
                let pinned = request.object(index)
                let candidates = Composition.all.filter { pair in
                    if let shape = pinned.shape, shape != pair.shape { return false }
                    if let color = pinned.color, color != pair.color { return false }
                    if pinned.shape == nil || pinned.color == nil, request.excluded.contains(pair) { return false }
                    if let bg = request.background, !ShapesPalette.allows(pair.color, on: bg) { return false }
                    return !pairs.contains(pair)
                }
                if candidates.isEmpty {
                    lastFailure = .noComposition("object \(index + 1) of a \(request.kind.rawValue) scene")
                    failed = true
                    break
                }
                pairs.append(rng.pick(candidates))
            }
            if failed { continue }
            if request.kind == .count { pairs = Array(repeating: pairs[0], count: count) }

            // 2. Background.
            let background: BackgroundColor
            if let pinned = request.background {
                background = pinned
            } else {
                let allowed = ShapesPalette.backgrounds(allowing: pairs.map(\.color))
                if allowed.isEmpty {
                    lastFailure = .noComposition("no background contrasts with \(pairs)")
                    continue
                }
                background = rng.pick(allowed)
            }

            // 3. Sizes (counts are always small).
            let sizes: [ShapeSize] = (0..<count).map { index in
                if request.kind == .count { return .small }
                return request.object(index).size ?? rng.pick(ShapeSize.allCases)
            }

            // 4. Cells and jitter, until the objects render apart.
            for _ in 0..<SceneGenerator.placementAttempts {
                let pinnedCells = request.kind == .count ? [] : request.objects.compactMap(\.cell)
                var free = rng.shuffled(GridCell.allCases.filter { !pinnedCells.contains($0) })
                let cells: [GridCell] = (0..<count).map { index in
                    if request.kind != .count, let cell = request.object(index).cell { return cell }
                    return free.removeFirst()
                }
                let objects = (0..<count).map { index in
                    SceneObject(shape: pairs[index].shape, color: pairs[index].color, size: sizes[index],
                                cell: cells[index],
                                jitterX: rng.uniform(-Scene.maximumJitter, Scene.maximumJitter),
                                jitterY: rng.uniform(-Scene.maximumJitter, Scene.maximumJitter))
                }
                let scene = Scene(kind: request.kind, background: background, objects: objects)
                if !separationSizes.contains(where: { ShapeRenderer.objectsTouch(scene, size: $0) }) {
                    return scene
                }
                lastFailure = .noPlacement("\(pairs) sized \(sizes)")
            }
        }
        throw lastFailure
    }

    /// The number of objects the request asks for (a free count is 2 or 3 at random), after
    /// checking that the request is valid.
    private func objectCount(_ request: SceneRequest, rng: inout ShapesRNG) throws -> Int {
        switch request.kind {
        case .oneObject:
            guard request.objects.count <= 1 else {
                throw SceneRequestError.invalid("a one-object scene cannot pin \(request.objects.count) objects")
            }
            return 1
        case .twoObjects:
            guard request.objects.count <= 2 else {
                throw SceneRequestError.invalid("a two-object scene cannot pin \(request.objects.count) objects")
            }
            let cells = request.objects.compactMap(\.cell)
            guard Set(cells).count == cells.count else {
                throw SceneRequestError.invalid("two objects cannot share the \(cells[0]) cell")
            }
            return 2
        case .count:
            if let n = request.count, !(2...3).contains(n) {
                throw SceneRequestError.invalid("a count scene has two or three objects, not \(n)")
            }
            guard request.objects.count <= 1 else {
                throw SceneRequestError.invalid("a count scene pins its one shared shape and colour in objects[0] only")
            }
            if request.object(0).size == .large {
                throw SceneRequestError.invalid("counted objects are small")
            }
            if request.object(0).cell != nil {
                throw SceneRequestError.invalid("counted objects are placed at random")
            }
            return request.count ?? 2 + rng.below(2)
        }
    }
}
