import FlowCore
import Foundation
import Generation
import Imaging
import ShapesWorld

/// GenEval-style scoring of a model on the Shapes world: generate each prompt with a fixed seed,
/// read the scene back with `SceneChecker`, score per category (the mean over its prompts), and
/// overall (the mean of the category scores). Held-out compositions are scored separately.
public struct ShapesEvaluation {
    public struct Item: Sendable {
        public let prompt: EvalPrompt
        public let seed: UInt64
        public let image: RGBImage
        public let verdict: EvalVerdict
    }

    public struct Report: Sendable {
        public let items: [Item]
        /// Mean correctness per category, over the prompts that are not held out.
        public var categoryScores: [(category: EvalCategory, score: Double, count: Int)] {
            EvalCategory.allCases.compactMap { category in
                let scored = items.filter { $0.prompt.category == category && !$0.prompt.isHeldOut }
                guard !scored.isEmpty else { return nil }
                return (category, Double(scored.filter(\.verdict.correct).count) / Double(scored.count), scored.count)
            }
        }
        /// The mean of the category scores.
        public var overall: Double {
            let scores = categoryScores
            return scores.isEmpty ? 0 : scores.map(\.score).reduce(0, +) / Double(scores.count)
        }
        /// Mean correctness over the held-out prompts (nil when there were none).
        public var heldOut: (score: Double, count: Int)? {
            let scored = items.filter(\.prompt.isHeldOut)
            return scored.isEmpty ? nil : (Double(scored.filter(\.verdict.correct).count) / Double(scored.count), scored.count)
        }
    }

    /// The built-in prompt list: `count` balanced prompts plus held-out ones (10 per category when
    /// `includeHeldOut`).
    public static func builtInPrompts(count: Int, includeHeldOut: Bool) -> [EvalPrompt] {
        EvalPromptSet.builtIn(count: count) + (includeHeldOut ? EvalPromptSet.heldOut() : [])
    }

    /// The largest prompt file read (16 MB: hundreds of thousands of prompts).
    public static let maximumPromptFileSize = 16_000_000

    /// Reads the prompt file at `url` through FlowCore's `ReadableFile` (a FIFO, a device or a
    /// folder is refused without blocking; at most `maximumPromptFileSize` bytes of UTF-8), then
    /// parses it as `prompts(fromFile:)` does. Throws `EvaluationError`.
    public static func prompts(contentsOf url: URL) throws -> [EvalPrompt] {
        let text: String
        do {
            text = try ReadableFile.text(of: url, expected: "a prompt list (a text file, one prompt per line)",
                                         maximumByteCount: maximumPromptFileSize)
        } catch let error as FileReadError {
            throw EvaluationError.unreadablePromptFile(error.description)
        }
        return try prompts(fromFile: text)
    }

    /// Reads prompts one per line; each must be an evaluation prompt of the Shapes world.
    public static func prompts(fromFile text: String) throws -> [EvalPrompt] {
        let known = Dictionary(EvalPromptSet.builtIn(count: 20_000, heldOut: .none).map { ($0.text, $0.expected) },
                               uniquingKeysWith: { a, _ in a })
        let heldOut = HeldOut.standard
        return try text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { (n, raw) in
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { return nil }
            guard let expected = known[line] else {
                throw EvaluationError.invalidPrompt(line: n + 1, text: line)
            }
            return EvalPrompt(expected, isHeldOut: expected.compositions.contains { heldOut.contains($0) })
        }
    }

    /// Generates and scores every prompt (prompt i uses seed `firstSeed + i`) with `settings`
    /// (the prompt replaced). `progress(done, total)` after each image.
    public static func run(_ generator: ImageGenerator, prompts: [EvalPrompt], settings: GenerationSettings,
                           firstSeed: UInt64 = 0, progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let checker = SceneChecker()
        var items: [Item] = []
        for (i, prompt) in prompts.enumerated() {
            var s = settings
            s.prompt = prompt.text
            s.seed = firstSeed + UInt64(i)
            guard let result = try generator.generate(s, onStep: { _ in true }) else { break }
            let image = result.image
            let verdict = checker.score(prompt, image: image)
            items.append(Item(prompt: prompt, seed: s.seed, image: image, verdict: verdict))
            progress(i + 1, prompts.count)
        }
        return Report(items: items)
    }

    /// All images in a grid, each captioned with its verdict (green "ok", red reason) for a person to look at.
    public static func contactSheet(_ report: Report, columns: Int = 12, scale: Int = 2) -> RGBImage {
        let tiles = report.items.map { item -> RGBImage in
            let label = item.verdict.correct ? "ok" : "x"
            let color: RGB = item.verdict.correct ? RGB(60, 220, 90) : RGB(240, 60, 60)
            let tile = item.image.scaled(by: scale)
            return tile.captioned(String("\(label) \(item.prompt.category)".prefix(tile.width / BitmapFont.advance)), color: color)
        }
        return RGBImage.grid(tiles, columns: columns, padding: 4, background: RGB(30, 30, 30))
    }
}
