#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body`, which blocks (an HTTP exchange, a backoff sleep), on a thread of its own and
/// awaits its result, so that a blocked exchange never holds one of the few threads that run
/// Swift's tasks (two on a two-core machine) while other regions wait for them.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        let job = BlockingJob {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        let context = Unmanaged.passRetained(job).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let created = pthread_create(&thread, &attributes, { raw in
            Unmanaged<BlockingJob>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        if created != 0 {
            Unmanaged<BlockingJob>.fromOpaque(context).release()
            continuation.resume(throwing: CloudAPIError(.transport, "could not start a thread for the request: \(String(cString: strerror(created)))"))
        }
    }
}

/// The work handed to the thread.
private final class BlockingJob: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
