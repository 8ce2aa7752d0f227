import DiskImage

/// Runs `work` over every input in parallel, at most one task per core, and returns the results
/// in input order.
func parallelMap<Input: Sendable, Output: Sendable>(
    _ inputs: [Input], _ work: @escaping @Sendable (Input) -> Output
) async -> [Output] {
    let width = min(ParallelWork.coreCount, inputs.count)
    if width <= 1 || inputs.count < 4 { return inputs.map(work) }
    // Hand each task a contiguous run of inputs: per-image work is microseconds, so one task per
    // image would cost more in scheduling than the work itself.
    let chunk = (inputs.count + width * 4 - 1) / (width * 4)
    return await ParallelWork.map(inputs, width: width, batchSize: chunk, work)
}
