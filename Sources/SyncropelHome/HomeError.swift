#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the home, its run files or its backup root could not be used.
///
/// `description` is the one-line message an operator sees: it names the path
/// and says what to do.
public enum HomeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither `SYNCROPEL_HOME` nor `HOME` is set, so there is no home to act on.
    case noHomeDirectory
    /// `HOME` is unset and neither `SPL_BACKUP_ROOT` nor `[backup] root` names a backup root.
    case noBackupRoot
    /// A system call on `path` failed; `action` is what we tried ("create folder", "write").
    case fileSystem(action: String, path: String, errno: Int32)
    /// The unix socket path does not fit in `sockaddr_un.sun_path`.
    case socketPathTooLong(path: String, bytes: Int)
    /// Another process holds run/spl.lock; `pid` is its pid when it wrote one.
    case locked(home: String, pid: Int32?)
    /// run/spl.json or run/spl.pid could not be decoded.
    case malformedRunFile(path: String, reason: String)
    /// A folder of the home is a symbolic link, which spl does not follow.
    case symbolicLink(path: String)

    public var description: String {
        switch self {
        case .noHomeDirectory:
            return "neither SYNCROPEL_HOME nor HOME is set; set SYNCROPEL_HOME to the instance home folder"
        case .noBackupRoot:
            return "HOME is not set, so there is no default backup root;"
                + " set SPL_BACKUP_ROOT or [backup] root in config.toml"
        case let .fileSystem(action, path, code):
            return "cannot \(action) \(path): \(String(cString: strerror(code))); \(HomeError.remedy(for: code))"
        case let .socketPathTooLong(path, bytes):
            return "unix socket path \(path) is \(bytes) bytes, over the \(HomeLayout.maxSocketPathBytes)-byte limit;"
                + " choose a shorter home (SYNCROPEL_HOME)"
        case let .locked(home, pid?):
            return "another spl serve (pid \(pid)) owns \(home)"
        case let .locked(home, nil):
            return "another spl serve owns \(home) (its pid is not recorded); stop it with 'spl serve --stop'"
        case let .malformedRunFile(path, reason):
            return "run file \(path) is not valid (\(reason)); if no spl serve is running for this home, remove it"
        case let .symbolicLink(path):
            return "\(path) is a symbolic link, which spl does not follow inside the home;"
                + " replace it with a folder: rm \(path) && mkdir -m 700 \(path)"
        }
    }

    /// What an operator can do about the common failures.
    private static func remedy(for code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "free some disk space and retry"
        case EACCES, EPERM: return "check the owner and mode of the file and its folder"
        case EROFS: return "the file system is read-only; choose a writable location"
        case ENOTDIR, EEXIST: return "a file is in the way of a folder; move it aside"
        case ELOOP: return "it is a symbolic link, which spl does not follow there; replace it with a regular file"
        default: return "check the path and retry"
        }
    }
}
