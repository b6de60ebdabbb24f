import Foundation
import FlowCore
import MMDiT
import TextEncoders

/// What a demo-model file holds besides its tensors (`transformer.*`, `text_encoder.*`): the two
/// configs, the vocabulary and how it was trained, as JSON under `flowstudio.model` in the
/// safetensors metadata. The file is self-contained: nothing else is needed to generate.
public struct DemoModelDescription: Codable, Equatable, Sendable {
    public var name: String
    public var transformer: MMDiTConfig
    public var textEncoder: TextEncoderConfig
    public var vocabulary: [String]
    /// Image side in pixels.
    public var resolution: Int
    /// The sampling settings the model was tuned for.
    public var defaultSteps: Int
    public var defaultGuidance: Float
    public var defaultShift: Double
    /// The last command line and the step count that produced the weights (free text); `recipe`
    /// has every phase.
    public var training: String
    /// How the weights were trained, oldest phase first: each `flowstudio train` invocation with
    /// the steps it covered and every option in force. Nil in files written before it was
    /// recorded (they still load).
    public var recipe: [TrainingPhase]?

    public static let metadataKey = "flowstudio.model"

    public init(name: String, transformer: MMDiTConfig, textEncoder: TextEncoderConfig, vocabulary: [String],
                resolution: Int, defaultSteps: Int, defaultGuidance: Float, defaultShift: Double, training: String,
                recipe: [TrainingPhase]? = nil) {
        self.name = name
        self.transformer = transformer
        self.textEncoder = textEncoder
        self.vocabulary = vocabulary
        self.resolution = resolution
        self.defaultSteps = defaultSteps
        self.defaultGuidance = defaultGuidance
        self.defaultShift = defaultShift
        self.training = training
        self.recipe = recipe
    }

    public func metadataValue() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads the description from a file's metadata; nil when the file is not a demo model.
    /// The description is validated (see `validate()`).
    public static func read(from file: SafeTensorsFile) throws -> DemoModelDescription? {
        guard let json = file.metadata[metadataKey] else { return nil }
        return try DemoModelDescription(json: Data(json.utf8))
    }

    /// Decodes a description (the `flowstudio.model` metadata, or `flowstudio_model.json` of an
    /// exported folder) and validates it, before anything is allocated for the model it names.
    /// Throws `DecodingError` or `DemoModelDescriptionError`.
    public init(json: Data) throws {
        self = try JSONDecoder().decode(DemoModelDescription.self, from: json)
        try validate()
    }

    /// The description a demo-model file must carry; the errors name the file at `url` and say
    /// what is wrong with it.
    public static func required(in file: SafeTensorsFile, at url: URL) throws -> DemoModelDescription {
        let found: DemoModelDescription?
        do {
            found = try read(from: file)
        } catch {
            throw DemoModelFileError.unreadableDescription(url.path, (error as? DecodingError)?.phrase() ?? "\(error)")
        }
        guard let found else { throw DemoModelFileError.notADemoModel(url.path) }
        return found
    }
}

extension DemoModelDescription {
    /// One phase of a training run: one `flowstudio train` invocation (a new run, `--init` or
    /// `--resume`), the steps it trained and every option in force while it ran.
    public struct TrainingPhase: Codable, Equatable, Sendable {
        /// The run directory (`--out`); step numbers count within its run.
        public var run: String
        /// The step the phase started from (0 for a new run); nil when not recorded.
        public var fromStep: Int?
        /// The step it reached; nil when not recorded.
        public var toStep: Int?
        /// Where its weights came from: a new run's fresh initialisation, a resumed checkpoint or
        /// an initial model (`--init`); nil when not recorded.
        public var start: String?
        /// The command line as typed, or "not recorded".
        public var command: String
        /// Every option in force, in a fixed order (the trainer's options, then the compute
        /// settings).
        public var options: [TrainingSetting]
        /// What the options do not say (free text), e.g. how a record was reconstructed.
        public var note: String?

        public init(run: String, fromStep: Int?, toStep: Int?, start: String?, command: String,
                    options: [TrainingSetting], note: String? = nil) {
            self.run = run
            self.fromStep = fromStep
            self.toStep = toStep
            self.start = start
            self.command = command
            self.options = options
            self.note = note
        }

        /// The value of the option `name`, if recorded.
        public func value(of name: String) -> String? { options.first { $0.name == name }?.value }
    }

    /// One option of a phase: its name (the `flowstudio train` flag where there is one) and value.
    public struct TrainingSetting: Codable, Equatable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The training record for a person, as `flowstudio defaults` prints it: the last command,
    /// then every phase with its steps, command and options (lines wrapped to `width`).
    public func trainingLines(width: Int = 100) -> [String] {
        var lines = ["trained by: \(training)"]
        guard let recipe, !recipe.isEmpty else {
            lines.append("training recipe: not recorded (this file was written before FlowStudio recorded one)")
            return lines
        }
        lines.append("training recipe, \(recipe.count) phase\(recipe.count == 1 ? "" : "s"), oldest first (steps count within each run directory):")
        for (i, phase) in recipe.enumerated() {
            let steps: String
            switch (phase.fromStep, phase.toStep) {
            case let (from?, to?): steps = "steps \(from)–\(to)"
            case let (nil, to?): steps = "steps not recorded–\(to)"
            case let (from?, nil): steps = "steps \(from)–not recorded"
            case (nil, nil): steps = "steps not recorded"
            }
            lines.append("  \(i + 1). \(phase.run), \(steps)")
            if let start = phase.start { lines.append("     start: \(start)") }
            lines.append("     command: \(phase.command)")
            lines += Self.wrap(phase.options.map { "\($0.name) \($0.value)" }, first: "     options: ",
                               rest: "              ", width: width)
            if let note = phase.note { lines += Self.wrap(note.split(separator: " ").map(String.init), first: "     note: ",
                                                          rest: "           ", width: width, separator: " ") }
        }
        return lines
    }

    /// `items` joined by `separator` into lines of at most `width` characters (an item longer
    /// than a line gets a line of its own).
    static func wrap(_ items: [String], first: String, rest: String, width: Int, separator: String = ", ") -> [String] {
        var lines: [String] = [], line = first, empty = true
        for (i, item) in items.enumerated() {
            let piece = item + (i < items.count - 1 ? separator.trimmingCharacters(in: .whitespaces) : "")
            if !empty && line.count + 1 + piece.count > width {
                lines.append(line)
                line = rest
                empty = true
            }
            line += (empty ? "" : " ") + piece
            empty = false
        }
        lines.append(line)
        return lines
    }
}
