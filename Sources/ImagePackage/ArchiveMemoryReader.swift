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
            throw ImageError(.limit, file: name, "archive is \(bytes.count) bytes, more than the \(maxMemoryArchiveBytes)-byte limit for one read from memory")
        }
        let la: LibArchive
        do { la = try LibArchive.load() } catch let error as ImageError { throw error.attributed(to: name) }
        guard let archive = la.readNew() else { throw ImageError(.io, file: name, "libarchive could not start") }
        defer { _ = la.readFree(archive) }
        _ = la.supportFilterAll(archive)
        _ = la.supportFormatAll(archive)
        return try bytes.withUnsafeBytes { buffer in
            guard la.openMemory(archive, buffer.baseAddress, buffer.count) == ARCHIVE_OK else {
                throw ImageError(.invalid, file: name, "not a readable archive: \(errorText(archive, la))")
            }
            return try readMembers(of: archive, using: la, named: name, wantWhole: wantWhole)
        }
    }
}
