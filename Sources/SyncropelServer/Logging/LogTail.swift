import SyncropelHome

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the lines appended to a log file, across rotations and truncations.
///
/// The file is read through an open descriptor. When the path names another file (a
/// rotation renamed it) the old descriptor is read to its end first, so the lines written
/// just before the rotation are not lost, then the new file is read from its start.
final class LogTail {
    let path: String
    private var descriptor: Int32 = -1
    private var inode: ino_t = 0
    /// The bytes after the last newline read: a line still being written.
    private var pending: [UInt8] = []

    init(path: String) {
        self.path = path
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The complete lines added since the last call; none while the file does not exist.
    func newLines() throws(HomeError) -> [[UInt8]] {
        if descriptor < 0 {
            try reopen()
            return descriptor < 0 ? [] : try readToEnd()
        }
        var lines = try readToEnd()
        var current = stat()
        if stat(path, &current) != 0 || current.st_ino != inode {
            lines += try readToEnd()
            try reopen()
            if descriptor >= 0 { lines += try readToEnd() }
        } else if off_t(current.st_size) < lseek(descriptor, 0, SEEK_CUR) {
            lseek(descriptor, 0, SEEK_SET)
            pending = []
            lines += try readToEnd()
        }
        return lines
    }

    /// Closes the current file and opens whatever `path` names now, if anything.
    private func reopen() throws(HomeError) {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        pending = []
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            if errno == ENOENT { return }
            throw .fileSystem(action: "open", path: path, errno: errno)
        }
        var info = stat()
        fstat(opened, &info)
        descriptor = opened
        inode = info.st_ino
    }

    private func readToEnd() throws(HomeError) -> [[UInt8]] {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                pending += chunk.prefix(count)
            } else if count == 0 {
                break
            } else if errno != EINTR {
                throw .fileSystem(action: "read", path: path, errno: errno)
            }
        }
        var lines = pending.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        pending = lines.removeLast()
        return lines.filter { !$0.isEmpty }
    }
}
