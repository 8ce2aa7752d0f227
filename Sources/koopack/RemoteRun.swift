import ArgumentParser
import CloudAPI
import DiskImage
import ImagePackage
import Synchronization

/// `--verbose` for commands that read images: with an image given by URL, what each one cost
/// over HTTP (the total is printed anyway).
struct TransferOptions: ParsableArguments {
    @Flag(name: .long, help: "For images given by URL, print the bytes and HTTP requests each one cost (the total is always printed).")
    var verbose = false
}

/// How one image argument is read: through an inspector of host files, or over HTTP when it is
/// an `https://` or `http://` URL. `name` is what the inspector opens and messages print (a
/// URL without its query).
struct ImageAccess {
    var inspector: ImageInspector
    var name: String
    var remote: RemoteImage?

    init(_ argument: String) throws {
        if RemoteImage.isURL(argument) {
            let remote = try RemoteImage(argument)
            inspector = remote.inspector
            name = remote.name
            self.remote = remote
        } else {
            inspector = ImageInspector()
            name = argument
            remote = nil
        }
    }
}

/// Prints, on standard error, what the images given by URL cost: one line per image with
/// `verbose`, and the total. Prints nothing when no image was read over HTTP.
func reportTransfers(_ remotes: [RemoteImage], verbose: Bool) {
    guard !remotes.isEmpty else { return }
    if verbose {
        for remote in remotes {
            let cost = remote.transfer.statistics
            Terminal.diagnose("\(remote.name): \(cost.bytes) bytes in \(cost.requests) HTTP requests")
        }
    }
    let total = TransferReport.total(remotes.map(\.transfer))
    Terminal.diagnose("over HTTP: \(total.bytes) bytes in \(total.requests) requests for \(remotes.count) image\(remotes.count == 1 ? "" : "s")")
}

/// The remote images among `inputs`.
func remoteImages(_ inputs: [ImageInput]) -> [RemoteImage] {
    inputs.compactMap { input in
        if case let .url(remote) = input.origin { return remote }
        return nil
    }
}

/// How messages name a command-line argument: a URL without its query (a presigned signature
/// is never printed), a path as it is.
func shownName(_ argument: String) -> String {
    guard RemoteImage.isURL(argument), let mark = argument.firstIndex(of: "?") else { return argument }
    return String(argument[..<mark])
}

/// The remote images opened by parallel work, gathered from whatever thread opened them.
final class Remotes: Sendable {
    private let opened = Mutex<[RemoteImage]>([])

    func append(_ remote: RemoteImage) { opened.withLock { $0.append(remote) } }

    /// The images in the order their names come in `arguments`.
    func inArgumentOrder(_ arguments: [String]) -> [RemoteImage] {
        let all = opened.withLock { $0 }
        // Nothing read over HTTP (the usual case): no dictionary, whose first String-keyed
        // instance costs a scan of every conformance record in the binary.
        guard !all.isEmpty else { return [] }
        let order = Dictionary(arguments.map(shownName).enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        return all.sorted { (order[$0.name] ?? 0) < (order[$1.name] ?? 0) }
    }
}
