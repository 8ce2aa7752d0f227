/// The guest's disk of an image, opened once for whoever reads it (the guest view, the security
/// scan), with the guest view read from it or why that could not be read.
public struct OpenedGuest: Sendable {
    /// The bytes the guest sees.
    public let disk: any ByteSource
    /// The partition table and filesystem signatures of `disk`, or why they could not be read.
    public let view: Result<GuestView, ImageError>

    /// Reads the guest view of `disk`. A view that cannot be read is kept as its error; only an
    /// error that is not an `ImageError` is thrown.
    public init(disk: any ByteSource) throws {
        self.disk = disk
        do {
            view = .success(try GuestView.read(from: disk))
        } catch let error as ImageError {
            view = .failure(error)
        }
    }
}

extension ImageInfo {
    /// Takes the guest view of `guest` when it was read, else a warning beginning `notRead`
    /// saying why not: the header facts still stand when the guest cannot be read.
    public mutating func take(_ guest: Result<OpenedGuest, ImageError>, notRead: String) {
        switch guest {
        case let .success(opened):
            switch opened.view {
            case let .success(view): self.guest = view
            case let .failure(error): warnings.append("\(notRead): \(error.message)")
            }
        case let .failure(error):
            warnings.append("\(notRead): \(error.message)")
        }
    }
}
