#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import DiskImage

/// libarchive's read functions, resolved from the system library the first time an archive is
/// opened. koopack builds against libarchive's headers (the `CArchive` system library target),
/// but loads the library itself only when it meets an archive: libarchive pulls in libxml2 and
/// ICU, whose start-up costs about 1.4 ms, more than reading an image header takes, and most
/// runs of koopack never open an archive.
struct LibArchive: Sendable {
    typealias Archive = OpaquePointer
    typealias Entry = OpaquePointer

    let readNew: @convention(c) () -> Archive?
    let readFree: @convention(c) (Archive?) -> Int32
    let supportFilterAll: @convention(c) (Archive?) -> Int32
    let supportFormatAll: @convention(c) (Archive?) -> Int32
    let openFilename: @convention(c) (Archive?, UnsafePointer<CChar>?, Int) -> Int32
    let openMemory: @convention(c) (Archive?, UnsafeRawPointer?, Int) -> Int32
    let nextHeader: @convention(c) (Archive?, UnsafeMutablePointer<Entry?>?) -> Int32
    let readData: @convention(c) (Archive?, UnsafeMutableRawPointer?, Int) -> Int
    let errorString: @convention(c) (Archive?) -> UnsafePointer<CChar>?
    let entryPathname: @convention(c) (Entry?) -> UnsafePointer<CChar>?
    let entryFiletype: @convention(c) (Entry?) -> UInt32
    let entrySizeIsSet: @convention(c) (Entry?) -> Int32
    let entrySize: @convention(c) (Entry?) -> Int64

    /// The names the library is looked for under, most specific first.
    static let libraryNames = ["libarchive.so.13", "libarchive.so", "libarchive.dylib"]

    /// The loaded functions, or why they could not be loaded; resolved once per process.
    private static let loaded: Result<LibArchive, ImageError> = {
        guard let handle = libraryNames.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            return .failure(ImageError(.io, "libarchive is not installed (looked for \(libraryNames.joined(separator: ", "))): install libarchive13 to read archives"))
        }
        func symbol<T>(_ name: String, as type: T.Type) throws -> T {
            guard let pointer = dlsym(handle, name) else {
                throw ImageError(.io, "libarchive has no \(name): it is older than koopack needs")
            }
            return unsafeBitCast(pointer, to: type)
        }
        do {
            return .success(LibArchive(
                readNew: try symbol("archive_read_new", as: (@convention(c) () -> Archive?).self),
                readFree: try symbol("archive_read_free", as: (@convention(c) (Archive?) -> Int32).self),
                supportFilterAll: try symbol("archive_read_support_filter_all", as: (@convention(c) (Archive?) -> Int32).self),
                supportFormatAll: try symbol("archive_read_support_format_all", as: (@convention(c) (Archive?) -> Int32).self),
                openFilename: try symbol("archive_read_open_filename", as: (@convention(c) (Archive?, UnsafePointer<CChar>?, Int) -> Int32).self),
                openMemory: try symbol("archive_read_open_memory", as: (@convention(c) (Archive?, UnsafeRawPointer?, Int) -> Int32).self),
                nextHeader: try symbol("archive_read_next_header", as: (@convention(c) (Archive?, UnsafeMutablePointer<Entry?>?) -> Int32).self),
                readData: try symbol("archive_read_data", as: (@convention(c) (Archive?, UnsafeMutableRawPointer?, Int) -> Int).self),
                errorString: try symbol("archive_error_string", as: (@convention(c) (Archive?) -> UnsafePointer<CChar>?).self),
                entryPathname: try symbol("archive_entry_pathname", as: (@convention(c) (Entry?) -> UnsafePointer<CChar>?).self),
                entryFiletype: try symbol("archive_entry_filetype", as: (@convention(c) (Entry?) -> UInt32).self),
                entrySizeIsSet: try symbol("archive_entry_size_is_set", as: (@convention(c) (Entry?) -> Int32).self),
                entrySize: try symbol("archive_entry_size", as: (@convention(c) (Entry?) -> Int64).self)))
        } catch let error as ImageError {
            return .failure(error)
        } catch {
            return .failure(ImageError(.io, "libarchive could not be loaded: \(error)"))
        }
    }()

    /// The functions, loading libarchive on first use.
    static func load() throws -> LibArchive { try loaded.get() }

    /// The status codes koopack checks (archive.h).
    static let ok = ARCHIVE_OK
    static let eof = ARCHIVE_EOF
    static let warn = ARCHIVE_WARN
}
