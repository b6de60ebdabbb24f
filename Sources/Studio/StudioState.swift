import FlowCore
import Foundation
import Generation
import Imaging
import RectifiedFlow

/// The studio's whole screen state as plain values: the prompt editors, the settings, the
/// focus, the run's progress and stored steps, history, favorites and the status line.
///
/// It does no I/O. `handle(_:now:)` turns a key into state changes plus `StudioEffect`s that
/// the controller carries out (start or cancel a run, write a favorite, quit…); `apply(_:now:)`
/// folds in what the worker reports; `tick(now:)` fires the live re-generation once typing
/// pauses. Time comes in as a parameter, so tests drive it without clocks.
public struct StudioState: Sendable {
    // MARK: Model
    public var modelName: String
    public var modelSummary: String
    public var modelHash: String
    public var supportedSizes: [Size]

    // MARK: What is being edited
    public var prompt: PromptEditor
    public var negative: PromptEditor
    public var steps: Int
    public var cfgScale: Float
    public var seed: UInt64
    public var seedMode: SeedMode = .fixed
    public var shift: Double
    public var sampler: SamplerKind
    public var sizeIndex: Int
    public var previewSource: PreviewSource = .predicted
    /// Re-generate automatically when typing pauses.
    public var live: Bool
    public var focus: StudioField = .prompt
    /// Text typed into a numeric field, not yet accepted.
    public var fieldInput: String?
    /// The `-` or `+` just pressed on a numeric field with nothing typed (one step down or up):
    /// a digit typed right after it means a signed number was being typed, so the step is
    /// undone and the sign starts `fieldInput`.
    var pendingSign: PendingSign?

    /// See `pendingSign`.
    struct PendingSign: Sendable {
        /// How soon the digit must follow the sign (seconds).
        static let window = 0.5
        var field: StudioField
        var sign: Character
        /// The settings before the step.
        var before: GenerationSettings
        /// When the sign was pressed.
        var at: Double
    }
    /// Columns of the prompt editors (set from the layout; Home/End/Up/Down wrap to it).
    public var promptWidth = 40
    public var negativeWidth = 40

    // MARK: Screen
    public var mode: Mode = .main
    public var message: StatusMessage?
    /// Startup notices (model, theme, data folder problems), shown in full in the empty
    /// preview pane until the first image arrives.
    public var notices: [StatusMessage] = []
    /// Words of the prompt the model does not read: unknown, or past its length (refreshed by
    /// the controller as you type).
    public var ignoredWords = IgnoredWords()
    public var previewProtocol: PreviewProtocol = .truecolor
    public var themeName = "default"

    // MARK: Runs
    public var runPhase: RunPhase = .idle
    /// Id of the newest run asked for (events of older runs are ignored).
    public var runID = 0
    /// The settings of the newest run.
    public var runSettings: GenerationSettings?
    /// Every step of the newest run, in order.
    public var frames: [GenerationProgress] = []
    /// Position when scrubbing: an index into `frames`; nil shows the newest step (or the result).
    public var scrubIndex: Int?
    /// The newest finished image.
    public var result: GenerationResult?
    /// Shown after `done` (unknown words, empty prompt).
    public var runNote: String?
    public var history: [HistoryEntry] = []
    public var favorites: [FavoriteEntry] = []
    /// Favorites that could not be written to the data folder: they live only in this session,
    /// so quitting asks first.
    public var unsavedFavoriteIDs: Set<String> = []
    /// Favorites removed in this session whose removal could not be written yet (the next
    /// successful write of the list drops them).
    public var unsavedRemovalIDs: Set<String> = []
    /// PNGs of favorites, loaded on demand by the controller.
    public var favoriteImages: [String: RGBImage] = [:]
    public var listSelection = 0
    /// When the live re-generation fires (seconds on the caller's clock), if one is pending.
    public var liveDeadline: Double?
    /// Pause after the last edit before a live run starts.
    public var livePause = 0.35
    /// Live re-generation turns itself off after a run slower than this (seconds): it is on by
    /// default only for models fast enough to keep up with typing.
    public var liveMaxSeconds = 4.0
    /// Source of random seeds (Ctrl-R, seed mode random).
    public var seedSource: SeedSource

    /// A width × height pair.
    public struct Size: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
        public var description: String { "\(width)×\(height)" }
    }

    /// What fills the screen.
    public enum Mode: Equatable, Sendable {
        case main
        case help
        case history
        case favorites
        /// Asking whether to delete the favorite at this index.
        case confirmDelete(Int)
        /// Asking whether to quit although some favorites exist only in this session.
        case confirmQuit
    }

    /// Where the newest run is.
    public enum RunPhase: Equatable, Sendable {
        case idle, running, finished, cancelled, failed
    }

    public init(generator: some ImageGenerator, live: Bool = true, seedSource: SeedSource = SeedSource(seed: 0x5EED)) {
        modelName = generator.modelName
        modelSummary = generator.modelSummary
        modelHash = generator.modelHash
        supportedSizes = generator.supportedSizes.map { Size(width: $0.width, height: $0.height) }
        if supportedSizes.isEmpty { supportedSizes = [Size(width: 64, height: 64)] }
        let d = generator.defaultSettings
        prompt = PromptEditor(d.prompt)
        negative = PromptEditor(d.negativePrompt)
        steps = d.steps
        cfgScale = d.cfgScale
        seed = d.seed
        shift = d.shift
        sampler = d.sampler
        sizeIndex = supportedSizes.firstIndex { $0.width == d.width && $0.height == d.height } ?? 0
        self.live = live
        self.seedSource = seedSource
    }

    /// The settings as they stand (what Enter would generate, before the seed mode applies).
    public var settings: GenerationSettings {
        let size = supportedSizes[sizeIndex]
        return GenerationSettings(prompt: prompt.text, negativePrompt: negative.text, steps: steps, cfgScale: cfgScale,
                                  seed: seed, shift: shift, sampler: sampler, width: size.width, height: size.height)
    }

    public var isRunning: Bool { runPhase == .running }

    /// Sets every setting from `s`. Returns what could not be taken over as it was (a size the
    /// model cannot make, a prompt longer than the editor holds), which is also the message.
    @discardableResult
    public mutating func restore(_ s: GenerationSettings) -> [String] {
        prompt.setText(s.prompt)
        negative.setText(s.negativePrompt)
        steps = min(max(s.steps, FieldLimits.steps.lowerBound), FieldLimits.steps.upperBound)
        cfgScale = s.cfgScale
        seed = s.seed
        shift = s.shift
        sampler = s.sampler
        fieldInput = nil
        var problems: [String] = []
        if s.prompt.count > prompt.maxLength || s.negativePrompt.count > negative.maxLength {
            problems.append("the restored prompt was cut to the editor's \(prompt.maxLength) characters")
        }
        if let i = supportedSizes.firstIndex(where: { $0.width == s.width && $0.height == s.height }) {
            sizeIndex = i
        } else {
            problems.append("this model cannot make \(s.width)×\(s.height); kept \(supportedSizes[sizeIndex].description)")
        }
        if !problems.isEmpty { message = .warning(problems.joined(separator: "; ")) }
        return problems
    }

}
