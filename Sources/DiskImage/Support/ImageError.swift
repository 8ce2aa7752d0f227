/// What went wrong reading an input: the file, where in it, and what. Parsers fill the offset and
/// message; the caller that knows the path fills `file`. Printed as one line on standard error.
public struct ImageError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String?
    public var offset: UInt64?
    public var message: String

    public init(file: String? = nil, offset: UInt64? = nil, _ message: String) {
        self.file = file
        self.offset = offset
        self.message = message
    }

    /// The same error attributed to `file`, unless it already names one (an error from a backing
    /// file or extent keeps the name of the file it came from).
    public func attributed(to file: String) -> ImageError {
        var copy = self
        if copy.file == nil { copy.file = file }
        return copy
    }

    public var description: String {
        var text = file.map { "\($0): " } ?? ""
        text += message
        return text
    }
}

extension ImageError {
    /// An error for a field whose value makes no sense, naming the field and the offset it sits at.
    public static func invalid(_ field: String, at offset: UInt64, _ reason: String) -> ImageError {
        ImageError(offset: offset, "\(field) at offset \(offset): \(reason)")
    }
}
