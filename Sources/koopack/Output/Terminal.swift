#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where koopack writes: results to standard output, diagnostics to standard error, colour only
/// on a terminal and never with `NO_COLOR` set.
enum Terminal {
    static let colour: Bool = isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil

    /// Writes `text` to standard output as it is (no newline added).
    static func write(_ text: String) {
        writeAll(STDOUT_FILENO, text)
    }

    /// Writes one diagnostic line to standard error, prefixed with the program's name.
    static func diagnose(_ message: String) {
        let line = "koopack: \(message)\n"
        writeAll(STDERR_FILENO, line)
    }

    /// Ends the process with `status`.
    static func exit(_ status: Int32) -> Never {
        #if canImport(Glibc)
        Glibc.exit(status)
        #elseif canImport(Musl)
        Musl.exit(status)
        #else
        Darwin.exit(status)
        #endif
    }

    static func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    static func red(_ text: String) -> String { colour ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    static func yellow(_ text: String) -> String { colour ? "\u{1B}[33m\(text)\u{1B}[0m" : text }
    static func green(_ text: String) -> String { colour ? "\u{1B}[32m\(text)\u{1B}[0m" : text }

    /// Writes UTF-8 bytes to standard output as they are: output made in pieces goes out without
    /// being joined into one string first.
    static func write(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) }
    }

    private static func writeAll(_ descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { writeAll(descriptor, UnsafeRawBufferPointer($0)) }
    }

    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) {
        guard var pointer = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let n = systemWrite(descriptor, pointer, left)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            pointer += n
            left -= n
        }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
