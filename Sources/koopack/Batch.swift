import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `work` over every input on every core and returns the results in input order, on the
/// calling thread when there are too few inputs to share. Workers take the next run of inputs
/// from one counter (a bounded queue: no task per input, no more threads than cores); per-image
/// work is tens of microseconds, so runs of several inputs keep the counter out of the way.
/// Synchronous, so a one-image `inspect` starts no thread and no task at all.
func concurrentMap<Input: Sendable, Output: Sendable>(
    _ inputs: [Input], _ work: @Sendable (Input) -> Output
) -> [Output] {
    let width = max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), inputs.count))
    if width <= 1 || inputs.count < 4 { return inputs.map(work) }
    let run = max(1, min(32, inputs.count / (width * 8)))
    let slots = ResultSlots<Output>(count: inputs.count)
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: width) { _ in
        while true {
            let start = next.add(run, ordering: .relaxed).oldValue
            guard start < inputs.count else { return }
            for index in start..<min(start + run, inputs.count) { slots.store(work(inputs[index]), at: index) }
        }
    }
    return slots.take()
}

/// `concurrentMap` for callers in async code.
func parallelMap<Input: Sendable, Output: Sendable>(
    _ inputs: [Input], _ work: @escaping @Sendable (Input) -> Output
) async -> [Output] {
    concurrentMap(inputs, work)
}

/// One slot per input, each written by exactly one worker and read after all have finished.
private final class ResultSlots<Output>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Output>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
    }

    func store(_ value: Output, at index: Int) { (slots + index).initialize(to: value) }

    /// The results in order; every slot must have been stored.
    func take() -> [Output] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: slots, count: count)
            initialized = count
        }
    }

    deinit { slots.deallocate() }
}
