import ReleaseBundle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress bar on standard error for long reads (bundle, verify): bytes done, rate and time
/// left, redrawn a few times a second. Shown only when standard error is a terminal, so logs
/// and pipes get no control characters.
///
/// It draws from its own thread: the copy workers block in `read` and `write` and would starve
/// a task on the cooperative pool.
final class ProgressBar: Sendable {
    /// How often the bar is redrawn.
    static let intervalMicroseconds: UInt32 = 250_000

    let label: String
    let total: UInt64
    let counter: ByteCounter
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)
    private let started: Int64

    /// Whether a bar would be shown at all.
    static var enabled: Bool { isatty(STDERR_FILENO) == 1 }

    /// Starts a bar for `total` bytes counted by `counter`, or nothing when standard error is
    /// not a terminal.
    static func start(_ label: String, total: UInt64, counter: ByteCounter) -> ProgressBar? {
        guard enabled else { return nil }
        let bar = ProgressBar(label: label, total: total, counter: counter)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(bar).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let bar = Unmanaged<ProgressBar>.fromOpaque(raw).takeRetainedValue()
            bar.loop()
            return nil
        }, context)
        if created != 0 {
            Unmanaged<ProgressBar>.fromOpaque(context).release()
            return nil
        }
        pthread_detach(thread)
        return bar
    }

    private init(label: String, total: UInt64, counter: ByteCounter) {
        self.label = label
        self.total = total
        self.counter = counter
        self.started = ProgressBar.nowMicroseconds()
    }

    /// Stops redrawing and clears the bar's line.
    func finish() {
        running.store(false, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { usleep(1000) }
        ProgressBar.draw("\r\u{1B}[2K")
    }

    private func loop() {
        while running.load(ordering: .acquiring) {
            ProgressBar.draw("\r\u{1B}[2K" + line())
            usleep(ProgressBar.intervalMicroseconds)
        }
        finished.store(true, ordering: .releasing)
    }

    /// `bundle [#########           ] 1.20 GiB / 4.00 GiB  512.00 MiB/s  ETA 0:06`.
    func line() -> String {
        let done = min(counter.value, total)
        let width = 24
        let filled = total == 0 ? width : Int(Double(done) / Double(total) * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let elapsed = max(1, ProgressBar.nowMicroseconds() - started)
        let rate = Double(done) / (Double(elapsed) / 1_000_000)
        var text = "\(label) [\(bar)] \(Sizes.binary(done)) / \(Sizes.binary(total))  \(Sizes.binary(UInt64(rate)))/s"
        if rate > 0, done < total {
            let seconds = Int(Double(total - done) / rate)
            let minutes = seconds / 60, rest = seconds % 60
            text += "  ETA \(minutes):\(rest < 10 ? "0" : "")\(rest)"
        }
        return text
    }

    static func nowMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    static func draw(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            _ = write(STDERR_FILENO, base, buffer.count)
        }
    }
}
