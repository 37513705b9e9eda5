import Glibc

/// The few POSIX file operations that durability needs and Foundation does not offer.
enum DurableFile {
    /// Creates an empty file with `mode` (whatever the umask) unless one is already there.
    static func createIfMissing(_ path: String, mode: mode_t) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if descriptor < 0 {
            if errno == EEXIST { return }
            throw failure(path, "create")
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw failure(path, "set the mode of") }
    }

    /// Flushes a file, or a folder's entries, to stable storage.
    static func sync(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "open") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(path, "fsync") }
    }

    static func setMode(_ path: String, _ mode: mode_t) throws(StoreError) {
        guard chmod(path, mode) == 0 else { throw failure(path, "set the mode of") }
    }

    /// Atomically puts `source` in place of `destination`.
    static func move(_ source: String, to destination: String) throws(StoreError) {
        guard rename(source, destination) == 0 else { throw failure(destination, "rename \(source) to") }
    }

    /// Size and modification time, or nil when the file does not exist.
    static func status(_ path: String) throws(StoreError) -> stat? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw failure(path, "stat")
        }
        return info
    }

    private static func failure(_ path: String, _ operation: String) -> StoreError {
        .fileSystem(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}
