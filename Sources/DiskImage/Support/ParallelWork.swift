#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking work (header reads, hashing, copying) spread over a task group of bounded width:
/// the one bounded parallel map batches of images and of files share.
public enum ParallelWork {
    /// The number of cores online: the width batches use by default.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Runs `work` over every input on at most `width` tasks at once and returns the outputs in
    /// input order. `order` (indices into `inputs`) says which inputs start first, e.g. the
    /// largest files, so the longest work does not start last; `batchSize` hands each task a run
    /// of that many inputs, for work of microseconds where a task per input would cost more in
    /// scheduling than the work itself.
    public static func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], width: Int = coreCount, order: [Int]? = nil, batchSize: Int = 1,
        _ work: @escaping @Sendable (Input) -> Output
    ) async -> [Output] {
        let sequence = order ?? Array(inputs.indices)
        let size = max(1, batchSize)
        let batches = stride(from: 0, to: sequence.count, by: size).map { Array(sequence[$0..<min($0 + size, sequence.count)]) }
        let tasks = max(1, min(width, batches.count))
        return await withTaskGroup(of: [(Int, Output)].self) { group in
            var pending = batches.makeIterator()
            var results = [Output?](repeating: nil, count: inputs.count)
            func addNext() -> Bool {
                guard let batch = pending.next() else { return false }
                let items = batch.map { ($0, inputs[$0]) }
                group.addTask { items.map { ($0.0, work($0.1)) } }
                return true
            }
            for _ in 0..<tasks where !addNext() { break }
            while let done = await group.next() {
                for (index, output) in done { results[index] = output }
                _ = addNext()
            }
            return results.compactMap { $0 }
        }
    }
}
