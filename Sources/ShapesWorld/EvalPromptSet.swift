// The built-in evaluation prompts: deterministic, balanced across categories.

/// Builders of evaluation prompt lists.
public enum EvalPromptSet {
    /// The number of built-in prompts the evaluation uses by default (20 per category).
    public static let defaultCount = 120

    /// `count` prompts balanced across the six categories: prompt `i` belongs to category
    /// `EvalCategory.allCases[i % 6]`, so every prefix is balanced too, and `builtIn(count: n)`
    /// is a prefix of `builtIn(count: m)` for n < m. Within a category the possible prompts are
    /// shuffled once by `seed` and taken in order, cycling when exhausted (the shape category
    /// has only four). No prompt names a pair in `heldOut`.
    public static func builtIn(count: Int = defaultCount, heldOut: HeldOut = .standard,
                               seed: UInt64 = 0) -> [EvalPrompt] {
        roundRobin(count: count, categories: EvalCategory.allCases, seed: seed) { category in
            candidates(category, pairs: heldOut.allowed, others: heldOut.allowed)
        }.map { EvalPrompt($0) }
    }

    /// Prompts that name held-out pairs, flagged `isHeldOut`: `perCategory` each for color,
    /// position, two_objects (a held-out pair with any other pair), counting and background,
    /// interleaved like `builtIn`. Empty when nothing is held out.
    public static func heldOut(_ heldOut: HeldOut = .standard, perCategory: Int = 10,
                               seed: UInt64 = 0) -> [EvalPrompt] {
        let pairs = heldOut.sorted
        guard !pairs.isEmpty else { return [] }
        let categories = EvalCategory.allCases.filter { $0 != .shape }
        return roundRobin(count: perCategory * categories.count, categories: categories, seed: seed) { category in
            candidates(category, pairs: pairs, others: Composition.all)
        }.map { EvalPrompt($0, isHeldOut: true) }
    }

    /// Every prompt of a category built from `pairs` (and, for two objects, a second pair from
    /// `others`), in a fixed order.
    static func candidates(_ category: EvalCategory, pairs: [Composition],
                           others: [Composition]) -> [EvalExpectation] {
        switch category {
        case .shape:
            return ShapeKind.allCases.map { .shape($0) }
        case .color:
            return pairs.map { .color($0) }
        case .position:
            return pairs.flatMap { pair in GridCell.allCases.map { .position(pair, $0) } }
        case .twoObjects:
            var result: [EvalExpectation] = []
            for pair in pairs {
                for other in others where other != pair {
                    result.append(.twoObjects(pair, other))
                }
            }
            // Held-out prompts (`others` is every pair): also put the held-out pair second.
            if others != pairs {
                for pair in pairs {
                    for other in others where !pairs.contains(other) {
                        result.append(.twoObjects(other, pair))
                    }
                }
            }
            return result
        case .counting:
            return pairs.flatMap { pair in [2, 3].map { .counting($0, pair) } }
        case .background:
            return pairs.flatMap { pair in
                BackgroundColor.allCases.filter { ShapesPalette.allows(pair.color, on: $0) }.map { .background($0, object: pair) }
            }
        }
    }

    /// Takes prompts round-robin over `categories`, each category's list shuffled by its own
    /// stream of `seed` and cycled.
    static func roundRobin(count: Int, categories: [EvalCategory], seed: UInt64,
                           candidates: (EvalCategory) -> [EvalExpectation]) -> [EvalExpectation] {
        precondition(count >= 0, "a prompt count cannot be negative, got \(count)")
        let lists: [[EvalExpectation]] = categories.map { category in
            var rng = ShapesRNG(seed: seed, index: UInt64(EvalCategory.allCases.firstIndex(of: category)!))
            return rng.shuffled(candidates(category))
        }
        return (0..<count).compactMap { i in
            let list = lists[i % categories.count]
            return list.isEmpty ? nil : list[(i / categories.count) % list.count]
        }
    }
}
