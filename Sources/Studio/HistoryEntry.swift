import FlowCore
import Foundation
import Generation
import Imaging

/// One generation of this session (kept in memory only).
public struct HistoryEntry: Equatable, Sendable {
    public var number: Int
    public var settings: GenerationSettings
    public var image: FlowCore.RGBImage
    public var seconds: Double
    public var created: Date
    /// A branch: the number of the generation it continues (its step is `settings.branchStep`).
    public var parent: Int? = nil
}
