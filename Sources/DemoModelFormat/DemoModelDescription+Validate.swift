import FlowCore
import MMDiT
import TextEncoders

extension DemoModelDescription {
    /// The values `validate()` accepts for the description's own fields (the transformer's and
    /// the text encoder's have their own `Limits`).
    public enum Limits {
        /// Image side in pixels.
        public static let resolution = 1...4096
        /// The sampling defaults: the ranges every front end accepts (Generation's `SamplingLimits`).
        public static let defaultSteps = 1...1000
        public static let defaultGuidance: ClosedRange<Float> = 0...50
        public static let defaultShift: ClosedRange<Double> = 0.05...20
    }

    /// Checks every stored value before anything is allocated: each dimension within its range
    /// (`MMDiTConfig.Limits`, `TextEncoderConfig.Limits`, `Limits`), the parts agreeing with each
    /// other. A hostile or hand-edited value is one error that names the field, its value and
    /// what is allowed.
    public func validate() throws {
        func fail(_ why: String) -> DemoModelDescriptionError { DemoModelDescriptionError(problem: why) }
        do {
            try transformer.validate()
        } catch let error as MMDiTError {
            if case .invalidConfig(let why) = error { throw fail("transformer: \(why)") }
            throw error
        }
        do {
            try textEncoder.validate()
        } catch let error as TextEncoderError {
            if case .invalidConfig(let why) = error { throw fail("textEncoder: \(why)") }
            throw error
        }
        guard Limits.resolution.contains(resolution) else {
            throw fail("resolution is \(resolution); it must be in \(Limits.resolution.lowerBound)…\(Limits.resolution.upperBound)")
        }
        let p = transformer.patchSize, side = transformer.posEmbedMaxSize
        guard resolution % p == 0, resolution / p <= side else {
            throw fail("resolution is \(resolution); it must be a multiple of the patch size \(p) and at most \(p * side) (the positional table holds \(side)×\(side) patches)")
        }
        guard Limits.defaultSteps.contains(defaultSteps) else {
            throw fail("defaultSteps is \(defaultSteps); it must be in \(Limits.defaultSteps.lowerBound)…\(Limits.defaultSteps.upperBound)")
        }
        guard defaultGuidance.isFinite, Limits.defaultGuidance.contains(defaultGuidance) else {
            throw fail("defaultGuidance is \(defaultGuidance); it must be in 0…50")
        }
        guard defaultShift.isFinite, Limits.defaultShift.contains(defaultShift) else {
            throw fail("defaultShift is \(defaultShift); it must be in 0.05…20")
        }
        guard vocabulary.count + 2 == textEncoder.vocabularySize else {
            throw fail("vocabulary has \(vocabulary.count) words, but textEncoder.vocabularySize is \(textEncoder.vocabularySize); it must be the word count + 2 (the two special tokens)")
        }
        guard textEncoder.width == transformer.contextDim, textEncoder.width == transformer.pooledDim else {
            throw fail("textEncoder.width is \(textEncoder.width), but the transformer takes text tokens \(transformer.contextDim) wide and a pooled vector \(transformer.pooledDim) wide; they must be equal")
        }
    }
}
