import Foundation
import FlowCore

/// diffusers folders: a `StableDiffusion3Pipeline` (`model_index.json`, one subfolder per
/// component) or a lone `SD3Transformer2DModel` folder (`config.json` + weights).
extension SD3ModelFiles {
    static let pipelineClass = "StableDiffusion3Pipeline"
    static let transformerClass = "SD3Transformer2DModel"

    /// Reads a folder that is not a demo export.
    static func readFolder(_ url: URL) throws -> Found {
        let indexURL = url.appendingPathComponent("model_index.json")
        let configURL = url.appendingPathComponent("config.json")
        if exists(indexURL) { return try readPipelineFolder(url, index: indexURL) }
        if exists(configURL) {
            let (data, config) = try readJSONObject(configURL, expected: "a diffusers config.json file")
            let className = config["_class_name"] as? String ?? "(no _class_name)"
            guard className == transformerClass else { throw SD3ModelFilesError.unsupportedPipeline(path: url.path, className: className) }
            let weights = try componentWeights(.transformer, in: url, config: (configURL, data))
            return Found(layout: .transformerOnly, transformer: weights, looked: url.path)
        }
        throw SD3ModelFilesError.missingComponent(.transformer, looked: [indexURL.path, configURL.path])
    }

    /// A `StableDiffusion3Pipeline` folder.
    static func readPipelineFolder(_ url: URL, index indexURL: URL) throws -> Found {
        let (_, index) = try readJSONObject(indexURL, expected: "a diffusers model_index.json file")
        guard let className = index["_class_name"] as? String else {
            throw SD3ModelFilesError.invalidConfig(path: indexURL.path, reason: "no \"_class_name\" naming the pipeline")
        }
        guard className == pipelineClass else { throw SD3ModelFilesError.unsupportedPipeline(path: url.path, className: className) }

        var declaredAbsent: Set<SD3Component> = []
        var components: [SD3Component: SD3ComponentWeights] = [:]
        for component in SD3Component.allCases {
            // model_index.json gives ["transformers", "T5EncoderModel"], or [null, null] / null for a left-out part.
            let entry = index[component.diffusersFolder]
            let isNull = entry == nil || entry is NSNull || ((entry as? [Any])?.allSatisfy { $0 is NSNull } ?? false)
            if isNull { declaredAbsent.insert(component); continue }
            let folder = url.appendingPathComponent(component.diffusersFolder)
            guard isDirectory(folder) else {
                if component == .transformer { throw SD3ModelFilesError.missingComponent(.transformer, looked: [folder.path]) }
                continue
            }
            let configURL = folder.appendingPathComponent("config.json")
            let config = exists(configURL) ? (configURL, try readJSONObject(configURL, expected: "a config.json file").data) : nil
            components[component] = try componentWeights(component, in: folder, config: config)
        }
        guard let transformer = components.removeValue(forKey: .transformer) else {
            throw SD3ModelFilesError.missingComponent(.transformer, looked: [indexURL.path + " (transformer)"])
        }
        var found = Found(layout: .diffusersFolder, transformer: transformer, components: components, looked: url.path)
        found.declaredAbsent = declaredAbsent
        let tokenizer = url.appendingPathComponent("tokenizer"), tokenizer2 = url.appendingPathComponent("tokenizer_2")
        found.clipLTokenizer = isDirectory(tokenizer) ? tokenizer : nil
        found.clipGTokenizer = isDirectory(tokenizer2) ? tokenizer2 : nil
        found.t5Tokenizer = t5TokenizerFile(in: url.appendingPathComponent("tokenizer_3"))

        let schedulerURL = url.appendingPathComponent("scheduler/scheduler_config.json")
        if exists(schedulerURL) {
            let (_, scheduler) = try readJSONObject(schedulerURL, expected: "a scheduler_config.json file")
            if let shift = scheduler["shift"] {
                guard let number = shift as? NSNumber, !(shift is Bool), number.doubleValue.isFinite, number.doubleValue > 0 else {
                    throw SD3ModelFilesError.invalidConfig(path: schedulerURL.path, reason: "\"shift\" is \(shift), not a positive number")
                }
                found.schedulerShift = number.doubleValue
            }
        }
        return found
    }

    /// The weights of one component folder, opened and put in canonical layout.
    static func componentWeights(_ component: SD3Component, in folder: URL, config: (URL, Data)?) throws -> SD3ComponentWeights {
        guard let file = weightsFile(in: folder) else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            throw SD3ModelFilesError.missingWeights(component, folder: folder.path, found: names)
        }
        return try canonical(component, try openWeights(file), path: file.path, source: file.path,
                             configURL: config?.0, config: config?.1)
    }
}
