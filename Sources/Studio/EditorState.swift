import FlowCore
import Foundation
import Generation
import RectifiedFlow

/// The prompt editors and the settings fields: what Enter would generate, where the focus is,
/// a number being typed, and when the live re-generation is due.
///
/// `reduce(_:key:now:…)` handles the `EditorAction`s (the rest of the screen never changes
/// these fields directly except through the few named steps below, e.g. `restore(_:)`); a
/// message for the status line goes to `status`. Time comes in as `now`.
public struct EditorState: Sendable {
    public var prompt: PromptEditor
    public var negative: PromptEditor
    public var steps: Int
    public var cfgScale: Float
    public var seed: UInt64
    public var seedMode: SeedMode = .fixed
    public var shift: Double
    public var sampler: SamplerKind
    /// The generator of the initial noise: not a field on screen; it comes from the model's
    /// defaults or `--noise`, and a restored favorite or `--from` image brings its own.
    public var noise: NoiseSource
    /// The sizes the model makes (at least one; as `ImageGenerator.supportedSizes`) and the
    /// chosen one.
    public var supportedSizes: [(width: Int, height: Int)]
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
    /// Columns of the prompt editors (set from the layout; Home/End/Up/Down wrap to it).
    public var promptWidth = 40
    public var negativeWidth = 40
    /// Words of the prompt the model does not read: unknown, or past its length.
    public var ignoredWords = IgnoredWords()
    /// When the live re-generation fires (seconds on the caller's clock), if one is pending.
    public var liveDeadline: Double?
    /// Pause after the last edit before a live run starts.
    public var livePause = 0.35
    /// Live re-generation turns itself off after a run slower than this (seconds): it is on by
    /// default only for models fast enough to keep up with typing.
    public var liveMaxSeconds = 4.0
    /// Source of random seeds (Ctrl-R, seed mode random).
    public var seedSource: SeedSource
    /// A warning the last edit raised that must stay readable (`StudioState.pinnedMessage`): a
    /// paste cut at `maxLength`. The studio state takes it after each edit.
    var warningToPin: StatusMessage?

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

    /// The model's default settings; `sizes` empty means 64×64.
    public init(defaults d: GenerationSettings, sizes: [(width: Int, height: Int)], live: Bool, seedSource: SeedSource) {
        supportedSizes = sizes.isEmpty ? [(64, 64)] : sizes
        prompt = PromptEditor(d.prompt)
        negative = PromptEditor(d.negativePrompt)
        steps = d.steps
        cfgScale = d.cfgScale
        seed = d.seed
        shift = d.shift
        sampler = d.sampler
        noise = d.noise
        sizeIndex = supportedSizes.firstIndex { $0.width == d.width && $0.height == d.height } ?? 0
        self.live = live
        self.seedSource = seedSource
    }

    /// The settings as they stand (what Enter would generate, before the seed mode applies).
    public var settings: GenerationSettings {
        let size = supportedSizes[sizeIndex]
        return GenerationSettings(prompt: prompt.text, negativePrompt: negative.text, steps: steps, cfgScale: cfgScale,
                                  seed: seed, shift: shift, sampler: sampler, width: size.width, height: size.height, noise: noise)
    }

    /// The text a field shows.
    public func value(of field: StudioField) -> String {
        switch field {
        case .prompt: prompt.text
        case .negative: negative.text
        case .steps: "\(steps)"
        case .cfg: SettingText.format(Double(cfgScale))
        case .seed: "\(seed)"
        case .seedMode: seedMode.rawValue
        case .shift: SettingText.format(shift)
        case .sampler: sampler == .euler ? "Euler" : "Heun"
        case .size: Self.describe(supportedSizes[sizeIndex])
        case .preview: previewSource == .predicted ? "predicted x̂0" : "noisy x_t"
        case .live: live ? "on" : "off"
        }
    }

    /// `64×64`.
    static func describe(_ size: (width: Int, height: Int)) -> String { "\(size.width)×\(size.height)" }

    /// Sets every setting from `s`. Returns what could not be taken over as it was (a size the
    /// model cannot make, a prompt longer than the editor holds).
    public mutating func restore(_ s: GenerationSettings) -> [String] {
        prompt.setText(s.prompt)
        negative.setText(s.negativePrompt)
        steps = SamplingLimits.stepsRule.clamped(s.steps)
        cfgScale = s.cfgScale
        seed = s.seed
        shift = s.shift
        sampler = s.sampler
        noise = s.noise
        fieldInput = nil
        var problems: [String] = []
        if s.prompt.count > prompt.maxLength || s.negativePrompt.count > negative.maxLength {
            problems.append("the restored prompt was cut to the editor's \(prompt.maxLength) characters")
        }
        if let i = supportedSizes.firstIndex(where: { $0.width == s.width && $0.height == s.height }) {
            sizeIndex = i
        } else {
            problems.append("this model cannot make \(s.width)×\(s.height); kept \(Self.describe(supportedSizes[sizeIndex]))")
        }
        return problems
    }

    /// A new model is in use: its default steps, CFG, shift and size (and its sizes) replace
    /// these; the prompts, seed, seed mode, sampler, noise and live setting stay. A number being
    /// typed and a pending live run are dropped; the words it does not read are asked anew.
    mutating func adopt(_ d: GenerationSettings, sizes: [(width: Int, height: Int)]) {
        supportedSizes = sizes.isEmpty ? [(64, 64)] : sizes
        sizeIndex = supportedSizes.firstIndex { $0.width == d.width && $0.height == d.height } ?? 0
        steps = SamplingLimits.stepsRule.clamped(d.steps)
        cfgScale = d.cfgScale
        shift = d.shift
        fieldInput = nil
        pendingSign = nil
        liveDeadline = nil
        ignoredWords = IgnoredWords()
    }

    // MARK: Live re-generation and runs

    /// A setting or prompt changed: with live re-generation on, a running run is cancelled now
    /// and a new one starts after `livePause`.
    mutating func edited(now: Double, isRunning: Bool) -> [StudioEffect] {
        guard live else { return [] }
        liveDeadline = now + livePause
        return isRunning ? [.cancel] : []
    }

    /// Whether the pending live re-generation is due at `now` (it is then no longer pending);
    /// false, too, when a typed number is waiting to be accepted.
    mutating func takeDueLiveRun(now: Double) -> Bool {
        guard let deadline = liveDeadline, now >= deadline else { return false }
        liveDeadline = nil
        return fieldInput == nil
    }

    /// The settings of the next run: the seed mode applied, the pending live run and sign dropped.
    mutating func settingsForNextRun() -> GenerationSettings {
        liveDeadline = nil
        pendingSign = nil
        if seedMode == .random { seed = seedSource.next() }
        return settings
    }

    /// A run finished: the increment seed mode moves on, and live re-generation turns itself
    /// off after a run slower than `liveMaxSeconds` (returns true then).
    mutating func runFinished(_ result: GenerationResult) -> Bool {
        if seedMode == .increment { seed = result.settings.seed &+ 1 }
        guard live && result.seconds > liveMaxSeconds else { return false }
        live = false
        return true
    }

    /// Takes the words the model does not read of the prompt and says so in the status line.
    mutating func noteIgnoredWords(_ words: IgnoredWords, status: inout StatusMessage?) {
        guard words != ignoredWords else { return }
        ignoredWords = words
        if let text = words.message {
            status = .warning(text)
        } else if case .warning(let text)? = status, text.contains("vocabulary") || text.contains("model reads") {
            status = nil
        }
    }
}
