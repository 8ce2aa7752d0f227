import Synchronization

/// A small, thread-safe cache of tables or decoded blocks read from an image (qcow2 L2 tables,
/// VMDK grain tables, decompressed clusters), so that reading a guest region does not read the
/// same metadata again for every few kilobytes. Bounded by entry count; evicts the oldest.
public final class TableCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var entries: [Key: Value] = [:]
        var order: [Key] = []
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The cached value for `key`, or the result of `load`, which is then cached. `load` runs
    /// outside the lock, so two readers may load the same key once each; both get the same data.
    public func value(for key: Key, load: () throws -> Value) rethrows -> Value {
        if let hit = state.withLock({ $0.entries[key] }) { return hit }
        let value = try load()
        state.withLock { state in
            if state.entries.updateValue(value, forKey: key) == nil {
                state.order.append(key)
                if state.order.count > capacity {
                    state.entries[state.order.removeFirst()] = nil
                }
            }
        }
        return value
    }
}
