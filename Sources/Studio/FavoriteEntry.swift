import Foundation
import Generation
import Imaging

/// One saved favorite: everything needed to make the image again, and where its PNG is.
public struct FavoriteEntry: Codable, Equatable, Sendable, Identifiable {
    /// A unique id (a UUID string).
    public var id: String
    /// Prompt, negative prompt, steps, CFG, seed, shift, sampler and size.
    public var settings: GenerationSettings
    public var seedMode: SeedMode
    public var modelName: String
    public var modelHash: String
    public var created: Date
    /// The PNG, relative to the data folder (e.g. `favorites/20261126-223512-42.png`); nil
    /// when it could not be written.
    public var imagePath: String?
    /// For a step of a run decoded with the VAE (Ctrl-D, then Ctrl-S): that step, counted from
    /// 1 (its predicted clean image, not the finished one the settings make); nil for a
    /// finished image. Absent in files written before it existed.
    public var decodedStep: Int?

    public init(id: String = UUID().uuidString, settings: GenerationSettings, seedMode: SeedMode, modelName: String,
                modelHash: String, created: Date = Date(), imagePath: String?, decodedStep: Int? = nil) {
        self.id = id
        self.settings = settings
        self.seedMode = seedMode
        self.modelName = modelName
        self.modelHash = modelHash
        self.created = created
        self.imagePath = imagePath
        self.decodedStep = decodedStep
    }
}
