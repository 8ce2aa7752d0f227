/// What went wrong reading an input: what kind of problem, the file, where in it, and what.
/// Parsers fill the kind, offset and message; the caller that knows the path fills `file`.
/// Printed as one line on standard error. Code that must tell one problem from another (tests,
/// callers that retry or degrade) looks at `kind`, never at the message's words.
public struct ImageError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of problem it is.
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The input ends before data it must hold: a header, a table or a block lies past the
        /// end of the file (or of the archive member, blob or stream).
        case truncated
        /// A signature, magic number or cookie is not the one the format requires.
        case badMagic
        /// Well-formed, but a version, feature or encoding koopack does not read (an encrypted
        /// guest, an incompatible feature bit, a compression or extent type it does not decode).
        case unsupported
        /// A number outside what the format allows, or an offset, length or count that points
        /// outside the file, its table or its structure; misaligned or overlapping ranges.
        case outOfRange
        /// A stored checksum or CRC does not match the bytes it covers.
        case checksum
        /// A chain or tree comes back on itself: backing files, symbolic links, cluster chains,
        /// extent trees.
        case loop
        /// More than koopack's own cap (bytes, entries, depth), set so that no input can make it
        /// read or allocate without bound; the input itself may be valid.
        case limit
        /// The operating system (or a system library) failed: a file could not be opened,
        /// listed or read, a library could not be loaded or could not start.
        case io
        /// The bytes are there but do not follow the format's grammar: a syntax error in JSON,
        /// YAML, a VMDK descriptor or LVM metadata text, a value of the wrong type, a required
        /// part missing, fields that contradict each other, a damaged compressed stream. Kept
        /// apart from `outOfRange` so that that kind still means "a number out of range".
        case invalid

        public var description: String { rawValue }
    }

    public var kind: Kind
    public var file: String?
    public var offset: UInt64?
    public var message: String

    public init(_ kind: Kind, file: String? = nil, offset: UInt64? = nil, _ message: String) {
        self.kind = kind
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
    /// An error of `kind` for a field whose value is wrong, naming the field and the offset it
    /// sits at.
    public static func invalid(_ kind: Kind, _ field: String, at offset: UInt64, _ reason: String) -> ImageError {
        ImageError(kind, offset: offset, "\(field) at offset \(offset): \(reason)")
    }
}
