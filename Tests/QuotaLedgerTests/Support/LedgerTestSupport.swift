import Foundation
import Synchronization
@testable import QuotaLedger
// The shared process runner and scratch folder, for every file of these tests.
@_exported import KoopackTestSupport

/// A well-formed digest that is unique per `index` (for files whose content does not matter,
/// only their identity and size).
func digest(_ index: Int) -> String {
    let hex = String(index, radix: 16)
    return String(repeating: "0", count: 64 - hex.count) + hex
}

/// An upload file named `name` of `size` bytes with the synthetic digest `digest(index)`.
func file(_ name: String, _ size: UInt64, index: Int, role: String = "document") -> UploadFile {
    UploadFile(name: name, size: size, sha256: digest(index), role: role)
}

/// `count` distinct files of `size` bytes named `f000`, `f001`, ... (digests from `firstIndex`).
func files(_ count: Int, size: UInt64, firstIndex: Int = 1) -> [UploadFile] {
    (0..<count).map { i in
        let name = "f" + String(repeating: "0", count: max(0, 3 - String(i).count)) + String(i)
        return file(name, size, index: firstIndex + i)
    }
}

/// The quota limits, for tests that know they are valid.
func limits(files: Int = 100, bytes: UInt64 = 10_000_000_000, offset: Int = 8 * 3600) -> QuotaLimits {
    (try? QuotaLimits(filesPerDay: files, bytesPerDay: bytes, timeZoneOffsetSeconds: offset)) ?? .koogallery
}

/// The day `text`, for tests that know it is valid.
func day(_ text: String) -> UploadDay {
    UploadDay(text) ?? UploadDay.earliest
}

/// Epoch seconds of the civil time given in the zone `offset` seconds east of UTC, computed by
/// Foundation's calendar (independently of koopack's own arithmetic).
func epochSeconds(_ year: Int, _ month: Int, _ dayOfMonth: Int, _ hour: Int = 0, _ minute: Int = 0,
                  _ second: Int = 0, offset: Int = 0) -> Int64 {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: offset) ?? .gmt
    let components = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute, second: second)
    let date = calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    return Int64(date.timeIntervalSince1970)
}

/// The upload file for the real file at `path`, its size from the file system and its digest
/// from `sha256sum`.
func uploadFile(atPath path: String, role: String) throws -> UploadFile {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
    return UploadFile(name: (path as NSString).lastPathComponent, size: size, sha256: try Tool.sha256sum(path), role: role)
}

/// Runs `body(i)` for i in 0..<count, each on its own thread, all released together, and
/// returns the results in index order.
func onSeparateThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let results = Mutex<[Int: T]>([:])
    let done = DispatchGroup()
    let start = DispatchSemaphore(value: 0)
    for index in 0..<count {
        done.enter()
        let thread = Thread {
            start.wait()
            let result = body(index)
            results.withLock { $0[index] = result }
            done.leave()
        }
        thread.start()
    }
    for _ in 0..<count { start.signal() }
    done.wait()
    return results.withLock { stored in (0..<count).compactMap { stored[$0] } }
}
