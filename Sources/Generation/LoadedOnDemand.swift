import Foundation

/// A model component that is loaded when first asked for and can be released to free its memory
/// (and loaded again later): how a large SD3 model shares a machine's memory between its text
/// encoders and its MM-DiT. Thread-safe.
public final class LoadedOnDemand<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Value?
    private let load: () throws -> Value
    /// How many times `load` ran (for tests and the status line).
    public private(set) var loads = 0

    public init(load: @escaping () throws -> Value) {
        self.load = load
    }

    /// An already loaded value (released values are loaded again with `load`).
    public init(_ value: Value, reload load: @escaping () throws -> Value) {
        self.value = value
        self.load = load
        loads = 1
    }

    /// The value, loading it first if it is not in memory.
    public func get() throws -> Value {
        try lock.withLock {
            if let value { return value }
            let made = try load()
            loads += 1
            value = made
            return made
        }
    }

    /// Drops the value (its memory goes when the last user lets go of it).
    public func release() { lock.withLock { value = nil } }

    /// Whether the value is in memory now.
    public var isLoaded: Bool { lock.withLock { value != nil } }
}
