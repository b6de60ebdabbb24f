import DemoModelFormat
import FlowCore
import Foundation
import Generation
import Testing

/// The demo model exported as a diffusers folder (`flowstudio export --diffusers`, or a PyTorch
/// continuation saved beside the exported side files) generates through `--model DIR` exactly as
/// the file it came from.
@Suite struct DemoExportLoadingTests {
    @Test func anExportedFolderDrawsTheSamePictureAsItsFile() throws {
        let folder = try SD3TestFolder()
        let bundled = try #require(DemoPipeline.bundledModelURL)
        try DiffusersFolder.export(model: bundled, to: folder.path("export"), force: false)
        let fromFile = try ModelLoader.load(SD3ModelPaths(model: bundled)).generator
        let fromFolder = try ModelLoader.load(SD3ModelPaths(model: folder.path("export"))).generator
        #expect(fromFolder.modelName == fromFile.modelName)
        var settings = fromFile.defaultSettings
        settings.prompt = "a red circle above a blue square"
        settings.steps = 4
        #expect(fromFolder.defaultSettings == fromFile.defaultSettings)
        let a = try #require(try fromFile.generate(settings, onStep: { _ in true }))
        let b = try #require(try fromFolder.generate(settings, onStep: { _ in true }))
        #expect(a.image == b.image)
    }

    @Test func aFolderWithoutTheTextEncoderSaysWhatIsMissing() throws {
        let folder = try SD3TestFolder()
        let bundled = try #require(DemoPipeline.bundledModelURL)
        let export = folder.path("export")
        try DiffusersFolder.export(model: bundled, to: export, force: false)
        try FileManager.default.removeItem(at: export.appendingPathComponent(DiffusersFolder.textEncoderFileName))
        #expect(throws: DemoModelFileError.self) { try ModelLoader.load(SD3ModelPaths(model: export)) }
        do {
            _ = try ModelLoader.load(SD3ModelPaths(model: export))
        } catch {
            #expect("\(error)".contains("without flowstudio_model.json and flowstudio_text_encoder.safetensors"), "\(error)")
        }
    }
}
