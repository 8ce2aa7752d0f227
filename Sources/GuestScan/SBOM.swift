#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DiskImage
import GuestFilesystem

/// The packages installed in a guest, from whichever package database it has, with notes on
/// what could not be read (an rpm Berkeley DB, a damaged file).
public struct PackageInventory: Sendable {
    /// The installed packages, in database order.
    public var packages: [InstalledPackage]
    /// Which databases were read: `/var/lib/dpkg/status`, `/var/lib/rpm/rpmdb.sqlite`.
    public var databases: [String]
    /// What was found but not read, and why.
    public var notes: [String]

    public init(packages: [InstalledPackage] = [], databases: [String] = [], notes: [String] = []) {
        self.packages = packages
        self.databases = databases
        self.notes = notes
    }

    /// Where rpm keeps its database: the traditional path, and `/usr/lib/sysimage/rpm` where
    /// Fedora and openSUSE moved it (often with `/var/lib/rpm` a symlink to it).
    static let rpmDirectories = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"]

    /// Reads the package databases of the guest filesystem `fs`.
    public static func read(from fs: any GuestFileSystem) -> PackageInventory {
        let reader = GuestFileReader(fs)
        var inventory = read(reader)
        inventory.notes += reader.warnings
        return inventory
    }

    static func read(_ reader: GuestFileReader) -> PackageInventory {
        var inventory = PackageInventory()
        if let status = reader.readWhole("/var/lib/dpkg/status", limit: GuestPaths.maxWholeFile) {
            inventory.packages += DpkgStatus.parse(status)
            inventory.databases.append("/var/lib/dpkg/status")
        }
        var seenRPM: Set<UInt64> = []
        for directory in rpmDirectories {
            guard let node = reader.stat(directory), node.type == .directory, seenRPM.insert(node.number).inserted else { continue }
            let sqlitePath = directory + "/rpmdb.sqlite"
            if let bytes = reader.readWhole(sqlitePath, limit: RPMDatabase.maxDatabaseBytes) {
                do {
                    inventory.packages += try RPMDatabase.packages(fromSQLite: bytes)
                    inventory.databases.append(sqlitePath)
                    if let (_, walSize) = reader.readPrefix(sqlitePath + "-wal", limit: 0), walSize > 0 {
                        inventory.notes.append("\(sqlitePath)-wal (\(walSize) bytes) was not read: packages installed since rpm's last checkpoint may be missing")
                    }
                } catch let error as ImageError {
                    inventory.notes.append("\(sqlitePath) was not read: \(error.message)")
                } catch {
                    inventory.notes.append("\(sqlitePath) was not read: \(error)")
                }
                continue
            }
            if reader.stat(directory + "/Packages")?.type == .regular {
                inventory.notes.append("\(directory)/Packages is rpm's Berkeley DB database, which koopack does not read (rebuild it as SQLite with `rpmdb --rebuilddb --define '_db_backend sqlite'`, or list packages with rpm -qa)")
            } else if reader.stat(directory + "/Packages.db")?.type == .regular {
                inventory.notes.append("\(directory)/Packages.db is rpm's ndb database, which koopack does not read")
            }
        }
        return inventory
    }
}

/// The facts of one SBOM document besides its packages: what it describes and when and by what
/// it was made. Tests pass fixed values; `SBOMDocumentInfo.now(...)` gives fresh ones.
public struct SBOMDocumentInfo: Sendable {
    /// The image file's name, which names the document and its top component.
    public var imageName: String
    /// A random (version 4) UUID, lower case: CycloneDX's serial number, SPDX's namespace.
    public var uuid: String
    /// When the document was made, as `2024-05-01T12:00:00Z`.
    public var created: String
    /// koopack's version.
    public var toolVersion: String

    public init(imageName: String, uuid: String, created: String, toolVersion: String) {
        self.imageName = imageName
        self.uuid = uuid
        self.created = created
        self.toolVersion = toolVersion
    }

    /// A document made now, with a fresh random UUID.
    public static func now(imageName: String, toolVersion: String) -> SBOMDocumentInfo {
        SBOMDocumentInfo(imageName: imageName, uuid: randomUUID(), created: utcTimestamp(time(nil)), toolVersion: toolVersion)
    }

    /// A version 4 UUID from the system's random generator.
    public static func randomUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// `seconds` since the epoch as an RFC 3339 UTC timestamp, `2024-05-01T12:00:00Z`.
    public static func utcTimestamp(_ seconds: time_t) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
