import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking work (header reads, hashing, copying) spread over the cores: the one bounded
/// parallel map that batches of images and of files share.
///
/// Workers take the next run of inputs from one atomic counter: a bounded queue, with no task
/// or closure per input and never more threads than `width`. Per-image work is tens of
/// microseconds, so by default each worker takes runs of several inputs, which keeps the
/// counter out of the way; file work passes `batchSize: 1`.
public enum ParallelWork {
    /// The number of cores online: the width batches use by default.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Runs `work` over every input on at most `width` threads and returns the outputs in input
    /// order. `order` (indices into `inputs`) says which inputs start first, e.g. the largest
    /// files, so the longest work does not start last. `batchSize` is how many inputs a worker
    /// takes at once; nil chooses runs for microsecond work and, for fewer than four inputs,
    /// does the work on the calling thread (so one image starts no thread at all).
    // Inlinable, so callers specialise it for their types: unspecialised, it copied each input
    // out of the array through its type's value witness (every field of an audited image
    // retained and released once more).
    @inlinable
    public static func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], width: Int = coreCount, order: [Int]? = nil, batchSize: Int? = nil,
        _ work: @Sendable (Input) -> Output
    ) -> [Output] {
        let count = inputs.count
        let width = max(1, min(width, count))
        let sequence = order ?? Array(inputs.indices)
        if width <= 1 || (batchSize == nil && count < 4) {
            let slots = ResultSlots<Output>(count: count)
            for index in sequence { slots.store(work(inputs[index]), at: index) }
            return slots.take()
        }
        let run = max(1, batchSize ?? min(32, count / (width * 8)))
        let slots = ResultSlots<Output>(count: count)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: width) { _ in
            while true {
                let start = next.add(run, ordering: .relaxed).oldValue
                guard start < count else { return }
                for position in start..<min(start + run, count) {
                    let index = sequence[position]
                    slots.store(work(inputs[index]), at: index)
                }
            }
        }
        return slots.take()
    }

    /// `map` for async callers: the blocking work runs on its own threads, so it never holds
    /// the threads Swift concurrency's other tasks (progress, signals) need.
    public static func mapInBackground<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], width: Int = coreCount, order: [Int]? = nil, batchSize: Int? = nil,
        _ work: @escaping @Sendable (Input) -> Output
    ) async -> [Output] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: map(inputs, width: width, order: order, batchSize: batchSize, work))
            }
        }
    }
}

/// One slot per input, each written by exactly one worker and read after all have finished.
/// `order` must name every index once (callers pass a permutation).
@usableFromInline
final class ResultSlots<Output>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<Output>
    private let count: Int

    @usableFromInline
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
    }

    @usableFromInline
    func store(_ value: Output, at index: Int) { (slots + index).initialize(to: value) }

    /// The results in order; every slot must have been stored.
    @usableFromInline
    func take() -> [Output] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.moveInitialize(from: slots, count: count) }
            initialized = count
        }
    }

    deinit { slots.deallocate() }
}
