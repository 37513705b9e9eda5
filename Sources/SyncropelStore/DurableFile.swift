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

    /// Copies `source` into a new file `destination` (mode 0600, refused if it exists) inside the
    /// kernel with `sendfile`, as `cp` does, reporting bytes copied after each step. Returns the
    /// bytes copied: `source`'s size when the copy began, which the caller keeps from changing.
    static func copyContents(
        of source: String, into destination: String, progress: ((_ done: Int64, _ total: Int64) -> Void)?
    ) throws(StoreError) -> Int64 {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure(source, "open") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw failure(source, "stat") }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw failure(destination, "create") }
        defer { close(output) }
        let total = Int64(info.st_size)
        var done: Int64 = 0
        while done < total {
            let sent = sendfile(output, input, nil, Int(min(total - done, copyStep)))
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else {
                if sent == 0 { throw StoreError.fileSystem(path: source, operation: "copy", reason: "the file ended at \(done) of \(total) bytes") }
                throw failure(destination, "copy \(source) to")
            }
            done += Int64(sent)
            progress?(done, total)
        }
        return total
    }

    /// Bytes per `sendfile` call: as often as SQLite's online backup reports (1024 pages of 4 KiB).
    private static let copyStep: Int64 = 4 << 20

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
