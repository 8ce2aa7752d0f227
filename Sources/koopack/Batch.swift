#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `work` over every input in parallel, at most one task per core, and returns the results
/// in input order.
func parallelMap<Input: Sendable, Output: Sendable>(
    _ inputs: [Input], _ work: @escaping @Sendable (Input) -> Output
) async -> [Output] {
    let width = max(1, min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), inputs.count))
    if width <= 1 || inputs.count < 4 { return inputs.map(work) }
    // Hand each task a contiguous run of inputs: per-image work is microseconds, so one task per
    // image would cost more in scheduling than the work itself.
    let chunk = (inputs.count + width * 4 - 1) / (width * 4)
    let chunks = stride(from: 0, to: inputs.count, by: chunk).map { $0..<min($0 + chunk, inputs.count) }
    return await withTaskGroup(of: (Int, [Output]).self) { group in
        var pending = chunks.enumerated().makeIterator()
        var results = [[Output]](repeating: [], count: chunks.count)
        func addNext() -> Bool {
            guard let (index, range) = pending.next() else { return false }
            let slice = Array(inputs[range])
            group.addTask { (index, slice.map(work)) }
            return true
        }
        for _ in 0..<width where !addNext() { break }
        while let (index, output) = await group.next() {
            results[index] = output
            _ = addNext()
        }
        return results.flatMap { $0 }
    }
}
