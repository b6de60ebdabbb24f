import FlowCore
import Testing
@testable import ShapesWorld

struct SceneGeneratorTests {
    @Test func sameSeedSameData() throws {
        let a = try SceneGenerator(seed: 1234), b = try SceneGenerator(seed: 1234)
        var c = try SceneGenerator(seed: 1234)
        let other = try SceneGenerator(seed: 1235)
        var differences = 0
        for index in 0..<200 {
            #expect(a.example(at: index) == b.example(at: index))
            #expect(c.next() == a.example(at: index))
            if other.example(at: index) != a.example(at: index) { differences += 1 }
        }
        #expect(differences > 190)
        // Pinned values, so that any change to the sampler's draws shows up here.
        #expect(a.example(at: 0).fullCaption == "two white squares on a navy background")
        #expect(a.example(at: 3).fullCaption
                == "a blue triangle at the top right and a purple triangle at the top left on a gray background")
        #expect(a.example(at: 4).caption == "a square at the bottom right on a navy background")
    }

    @Test func heldOutPairsNeverAppearInTenThousandTrainingScenes() throws {
        let generator = try SceneGenerator(seed: 77)
        #expect(generator.config.heldOut == .standard)
        #expect(HeldOut.standard.contains(.triangle, .green))
        var seen = Set<Composition>()
        for index in 0..<10_000 {
            for object in generator.scene(at: index).objects {
                #expect(!generator.config.heldOut.contains(object.composition))
                seen.insert(object.composition)
            }
        }
        #expect(seen == Set(HeldOut.standard.allowed)) // everything else does appear
    }

    @Test func scenesFollowTheRulesAndRenderApart() throws {
        let generator = try SceneGenerator(seed: 5)
        let checker = SceneChecker()
        var kinds: [SceneKind: Int] = [:]
        var sizes: [ShapeSize: Int] = [:]
        for index in 0..<2000 {
            let scene = generator.scene(at: index)
            kinds[scene.kind, default: 0] += 1
            #expect(scene.ruleViolations.isEmpty, "\(scene): \(scene.ruleViolations)")
            for object in scene.objects {
                sizes[object.size, default: 0] += 1
                #expect(object.color.rgb.distance(to: scene.background.rgb) >= 60)
                #expect(abs(object.centerX - object.cell.centerX) <= 0.03 && abs(object.centerY - object.cell.centerY) <= 0.03)
            }
            // Independent of the generator's own test: the 8-connected regions of the drawn image
            // are exactly one per object, so no two objects touch (diagonals included).
            for size in [32, 64] {
                let image = ShapeRenderer.render(scene, size: size)
                let mask = Self.notBackground(image, scene.background.rgb)
                #expect(SceneChecker.regions(of: mask, width: size, height: size).count == scene.objects.count)
            }
            if index < 300 {
                #expect(checker.analyze(ShapeRenderer.render(scene, size: 64)).objects.count == scene.objects.count)
            }
        }
        // Weights 0.5 / 0.25 / 0.25 (binomial standard deviations ≈ 22 and 19; allow 5 σ).
        #expect(abs(kinds[.oneObject, default: 0] - 1000) < 112)
        #expect(abs(kinds[.twoObjects, default: 0] - 500) < 97)
        #expect(abs(kinds[.count, default: 0] - 500) < 97)
        #expect(sizes[.large, default: 0] > 400)
    }

    /// True for each pixel whose colour is not exactly `background`. // [H, W]
    static func notBackground(_ image: RGBImage, _ background: RGB) -> [Bool] {
        var mask = [Bool](repeating: false, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { px in
            for p in mask.indices {
                mask[p] = px[3 * p] != background.r || px[3 * p + 1] != background.g || px[3 * p + 2] != background.b
            }
        }
        return mask
    }

    @Test func heldOutExamplesUseTheHeldOutPairs() throws {
        let generator = try SceneGenerator(seed: 8)
        var kinds = Set<SceneKind>()
        var pairs = Set<Composition>()
        for index in 0..<300 {
            let example = generator.heldOutExample(at: index)
            kinds.insert(example.scene.kind)
            #expect(example.scene.ruleViolations.isEmpty)
            let first = example.scene.objects[0].composition
            #expect(HeldOut.standard.contains(first))
            pairs.insert(first)
            #expect(example.fullCaption.contains(first.color.name))
        }
        #expect(kinds == Set(SceneKind.allCases))
        #expect(pairs == HeldOut.standard.compositions)
    }

    @Test func requestsArePinnedAndImpossibleOnesThrow() throws {
        let generator = try SceneGenerator(seed: 2)
        var rng = ShapesRNG(seed: 3)
        let pinned = try generator.sample(SceneRequest(kind: .oneObject,
                                                       objects: [ObjectRequest(shape: .diamond, color: .cyan, size: .large, cell: .bottomLeft)],
                                                       background: .navy), rng: &rng)
        #expect(pinned.objects[0].shape == .diamond && pinned.objects[0].color == .cyan)
        #expect(pinned.objects[0].size == .large && pinned.objects[0].cell == .bottomLeft && pinned.background == .navy)

        let three = try generator.sample(SceneRequest(kind: .count, count: 3, objects: [ObjectRequest(shape: .square, color: .red)]), rng: &rng)
        #expect(three.objects.count == 3 && three.objects.allSatisfy { $0.composition == Composition(.square, .red) && $0.size == .small })

        // Excluded pairs are avoided when free, drawn when pinned.
        let onlyGreenTriangles = HeldOut(Set(Composition.all.filter { $0 != Composition(.triangle, .green) }))
        let free = try generator.sample(SceneRequest(kind: .oneObject, excluded: onlyGreenTriangles), rng: &rng)
        #expect(free.objects[0].composition == Composition(.triangle, .green))

        #expect(throws: SceneRequestError.self) {
            try generator.sample(SceneRequest(kind: .count, count: 4), rng: &rng)
        }
        #expect(throws: SceneRequestError.self) {
            try generator.sample(SceneRequest(kind: .twoObjects, objects: [ObjectRequest(shape: .circle, color: .red),
                                                                            ObjectRequest(shape: .circle, color: .red)]), rng: &rng)
        }
        // Two large squares in neighbouring cells always overlap.
        #expect(throws: SceneRequestError.self) {
            try generator.sample(SceneRequest(kind: .twoObjects, objects: [ObjectRequest(shape: .square, size: .large, cell: .left),
                                                                            ObjectRequest(shape: .square, size: .large, cell: .center)]), rng: &rng)
        }
        let error = SceneRequestError.noPlacement("x")
        #expect(error.description.contains("free the cells"))
    }

    @Test func configurationsThatLeaveNothingToDrawAreRejected() {
        var config = SceneGeneratorConfig()
        config.heldOut = HeldOut(Set(Composition.all))
        #expect(throws: SceneGeneratorError.self) { try SceneGenerator(seed: 0, config: config) }
        config = SceneGeneratorConfig()
        config.oneObjectWeight = 0; config.twoObjectsWeight = 0; config.countWeight = 0
        #expect(throws: SceneGeneratorError.self) { try SceneGenerator(seed: 0, config: config) }
    }
}
