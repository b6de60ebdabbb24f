/// A forward stopped between two joint blocks because its `interrupt` check answered true
/// (the run it belonged to was cancelled).
public struct ForwardInterrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the forward was interrupted (the run was cancelled)" }
}
