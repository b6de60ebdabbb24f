import FlowCore
import Foundation

/// Changing the sampling settings a demo-model file carries (the defaults of `generate`, `eval`
/// and the studio), e.g. after `flowstudio eval` found a better CFG scale for it.
public enum DemoModelDefaults {
    /// Rewrites the defaults in the file at `url`: the given ones change, the rest, the other
    /// metadata and the tensors (their values and storage type) stay as they were. Written by
    /// `SafeTensors.write` (FlowCore's `WritableFile`): atomically, at the file a symlink leads to
    /// (the link stays), keeping the file's permissions. Returns the new description.
    @discardableResult
    public static func update(in url: URL, steps: Int? = nil, guidance: Float? = nil,
                              shift: Double? = nil) throws -> DemoModelDescription {
        let file = try SafeTensorsFile(contentsOf: url)
        let description = try DemoModelDescription.required(in: file, at: url)
        let dtypes = Set(file.names.compactMap(file.dtype(of:)))
        guard dtypes.count == 1, let dtype = dtypes.first else {
            throw DemoModelFileError.unreadableDescription(url.path, "its tensors are stored as \(dtypes.map(\.rawValue).sorted().joined(separator: " and ")); one type is expected")
        }
        var updated = description
        updated.defaultSteps = steps ?? updated.defaultSteps
        updated.defaultGuidance = guidance ?? updated.defaultGuidance
        updated.defaultShift = shift ?? updated.defaultShift
        var metadata = file.metadata
        metadata[DemoModelDescription.metadataKey] = try updated.metadataValue()
        try SafeTensors.write(file.allTensors(), metadata: metadata, dtype: dtype, to: url)
        return updated
    }
}
