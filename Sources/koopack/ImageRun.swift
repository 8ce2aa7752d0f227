import DiskImage
import ImagePackage

/// Finds the images every argument names (files, folders, archives) and runs `work` on each,
/// in parallel, keeping argument order. An argument that cannot be read, or an image whose work
/// throws, is a failure in its place. Images given by URL have what they cost over HTTP printed
/// on standard error (each one's with `verbose`).
func runOverImages<Output: Sendable>(
    _ arguments: [String], options: DiscoveryOptions, verbose: Bool = false,
    _ work: @escaping @Sendable (_ input: ImageInput) throws -> Output
) async -> [Result<Output, ImageError>] {
    var jobs: [ImageInput] = []
    var outcomes: [Result<Output, ImageError>?] = []
    var slots: [Int] = []
    for argument in arguments {
        do {
            let inputs = try ImageDiscovery.discover(argument, options: options)
            for input in inputs {
                slots.append(outcomes.count)
                outcomes.append(nil)
                jobs.append(input)
            }
        } catch {
            outcomes.append(.failure(imageError(error, naming: shownName(argument))))
        }
    }
    let done: [Result<Output, ImageError>] = await ParallelWork.mapInBackground(jobs) { input in
        do { return .success(try work(input)) }
        catch { return .failure(imageError(error, naming: input.displayName)) }
    }
    for (slot, result) in zip(slots, done) { outcomes[slot] = result }
    reportTransfers(remoteImages(jobs), verbose: verbose)
    return outcomes.compactMap { $0 }
}

/// The results that were had, each failure diagnosed on standard error (one line naming the
/// input), and whether there was any.
func diagnosingFailures<Output>(_ outcomes: [Result<Output, ImageError>]) -> (results: [Output], anyFailed: Bool) {
    var results: [Output] = []
    var anyFailed = false
    for outcome in outcomes {
        switch outcome {
        case let .success(result): results.append(result)
        case let .failure(error):
            anyFailed = true
            Terminal.diagnose(error.description)
        }
    }
    return (results, anyFailed)
}

/// `error` as an `ImageError` attributed to `name`.
private func imageError(_ error: any Error, naming name: String) -> ImageError {
    (error as? ImageError)?.attributed(to: name) ?? ImageError(.io, file: name, "\(error)")
}
