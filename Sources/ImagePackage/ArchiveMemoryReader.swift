import CArchive
import DiskImage

extension ArchiveReader {
    /// Largest archive koopack reads from memory: an archive already in memory is a member of
    /// another, or a document someone handed over whole; anything larger belongs in a file.
    public static let maxMemoryArchiveBytes = 256 << 20

    /// The regular-file members of the archive held in `bytes`, as `members(ofArchiveAt:wantWhole:)`
    /// gives them for a file: same member loop, same caps, same errors (naming `name`).
    public static func members(ofArchiveBytes bytes: [UInt8], name: String = "archive",
                               wantWhole: (String, UInt64) -> Bool) throws -> [ArchiveMember] {
        guard bytes.count <= maxMemoryArchiveBytes else {
            throw ImageError(file: name, "archive is \(bytes.count) bytes, more than the \(maxMemoryArchiveBytes)-byte limit for one read from memory")
        }
        guard let archive = archive_read_new() else { throw ImageError(file: name, "libarchive could not start") }
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_all(archive)
        return try bytes.withUnsafeBytes { buffer in
            guard archive_read_open_memory(archive, buffer.baseAddress, buffer.count) == ARCHIVE_OK else {
                throw ImageError(file: name, "not a readable archive: \(errorText(archive))")
            }
            return try readMembers(of: archive, named: name, wantWhole: wantWhole)
        }
    }
}
