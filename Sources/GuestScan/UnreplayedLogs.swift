import Findings
import GuestFilesystem

/// KG410's note for an XFS filesystem whose log needs recovery: the guest was running when its
/// image was taken, and its newest changes (a new `authorized_keys`, a fresh history) may exist
/// only in the log, which koopack does not replay (it replays ext4's journal in memory). The
/// scan of that filesystem may have missed them.
enum UnreplayedLogs {
    /// One note per XFS filesystem of `fs` (the root, and each one mounted on it) whose log
    /// needs recovery; a log that cannot be judged is a warning.
    static func findings(_ fs: any GuestFileSystem, reader: GuestFileReader) -> [Finding] {
        var volumes: [(mountPoint: String, fs: any GuestFileSystem)] = []
        if let mounted = fs as? MountedGuestFileSystem {
            volumes.append(("/", mounted.filesystems[0]))
            volumes += zip(mounted.mountPoints, mounted.filesystems.dropFirst()).map { ($0, $1) }
        } else {
            volumes.append(("/", fs))
        }
        var findings: [Finding] = []
        for volume in volumes {
            guard let xfs = volume.fs as? XFSFileSystem else { continue }
            switch xfs.logState() {
            case .needsRecovery:
                findings.append(Finding(.scanNotDone,
                                        message: "the XFS filesystem mounted at \(volume.mountPoint) was not cleanly unmounted: its log needs recovery, which koopack does not replay, so changes made just before the image was taken may not have been scanned",
                                        evidence: [("mount point", volume.mountPoint), ("filesystem", "xfs"), ("log", "needs recovery")]))
            case let .unknown(reason):
                reader.warn("the log of the XFS filesystem mounted at \(volume.mountPoint) could not be judged: \(reason)")
            case .clean, .external:
                break
            }
        }
        return findings
    }
}
