#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File operations that give folders 0700 and files 0600 whatever the umask (SPEC 10).
///
/// The umask can only take bits away, and a caller's umask of 0277 would even take
/// the owner's write bit, so every folder and file made here is `chmod`ed after it is made.
public enum PrivateFiles {
    /// Creates `path` and any missing parent folders, each 0700.
    ///
    /// Folders that already exist keep their mode: `spl doctor` reports them, we do not
    /// silently change what an operator set.
    public static func makeDirectory(_ path: String) throws(HomeError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, FileMode.privateDirectory) == 0 {
                guard chmod(prefix, FileMode.privateDirectory) == 0 else {
                    throw .fileSystem(action: "set the mode of", path: prefix, errno: errno)
                }
                continue
            }
            let mkdirError = errno
            var info = stat()
            guard stat(prefix, &info) == 0 else {
                throw .fileSystem(action: "create folder", path: prefix, errno: mkdirError)
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .fileSystem(action: "create folder", path: prefix, errno: ENOTDIR)
            }
        }
    }

    /// Replaces `path` with `bytes`, mode 0600.
    ///
    /// The bytes go to a temporary name in the same folder, are fsynced, then renamed over
    /// `path` and the folder is fsynced, so a reader or a crash sees the old file or the new
    /// one, whole. Never use this on run/spl.lock: a rename gives it a new inode and drops the lock.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(HomeError) {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FileMode.privateFile)
        // Failures name `path`, the file the operator knows, not the temporary name.
        guard fd >= 0 else { throw .fileSystem(action: "write", path: path, errno: errno) }
        var failure: HomeError?
        if fchmod(fd, FileMode.privateFile) != 0 {
            failure = .fileSystem(action: "set the mode of", path: path, errno: errno)
        } else if let code = writeAll(bytes, to: fd) {
            failure = .fileSystem(action: "write", path: path, errno: code)
        } else if fsync(fd) != 0 {
            failure = .fileSystem(action: "flush", path: path, errno: errno)
        }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 {
            failure = .fileSystem(action: "replace", path: path, errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        syncFolder(of: path)
    }

    /// Sets `path` to `mode` when it has another; a line saying what changed, or nil when
    /// nothing did or there is nothing at `path`. A link is not followed (its target is not ours).
    static func enforceMode(_ path: String, _ mode: mode_t) throws(HomeError) -> String? {
        guard let current = FileMode.of(path), current != mode else { return nil }
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { return nil }
        guard chmod(path, mode) == 0 else { throw .fileSystem(action: "set the mode of", path: path, errno: errno) }
        return "mode of \(path) was \(FileMode.octal(current)), set to \(FileMode.octal(mode))"
    }

    /// Removes the file at `path`; a file that is already gone is not an error.
    public static func remove(_ path: String) throws(HomeError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw .fileSystem(action: "remove", path: path, errno: errno)
        }
    }

    /// The bytes of `path` and its permission bits, read from one open file so the mode
    /// belongs to the bytes returned; nil when the file does not exist.
    static func contents(of path: String) throws(HomeError) -> (bytes: [UInt8], mode: mode_t)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .fileSystem(action: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .fileSystem(action: "read", path: path, errno: errno) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += chunk.prefix(count)
            } else if count == 0 {
                return (bytes, info.st_mode & 0o7777)
            } else if errno != EINTR {
                throw .fileSystem(action: "read", path: path, errno: errno)
            }
        }
    }

    /// Writes every byte, retrying short writes and interruptions; the errno on failure.
    static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written >= 0 {
                offset += written
            } else if errno != EINTR {
                return errno
            }
        }
        return nil
    }

    /// Makes a rename durable. Best effort: some file systems refuse fsync on a folder,
    /// and the file itself is already on disk by then.
    private static func syncFolder(of path: String) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
