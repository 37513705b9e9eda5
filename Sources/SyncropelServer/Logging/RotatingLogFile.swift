import Foundation
import SyncropelHome

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// logs/spl.log: whole lines appended by the daemon, rotated by size (SPEC 5.3).
///
/// Every line goes out in one write(2) on an O_APPEND descriptor while holding a lock, so
/// lines from concurrent loggers never interleave. Rotation renames spl.log → spl.log.1 →
/// … → spl.log.<keptFiles>, dropping the oldest, and starts a new spl.log (mode 0600).
/// Logging must never stop the daemon: a line that cannot be written (disk full, a failed
/// reopen) is dropped and counted in `droppedLines`.
///
/// `@unchecked Sendable`: the descriptor and counters are only touched under `lock`.
public final class RotatingLogFile: @unchecked Sendable {
    public let path: String
    /// A line that would take spl.log past this size goes to a fresh file instead.
    public let maxBytes: Int
    /// How many rotated files (spl.log.1 … spl.log.N) are kept.
    public let keptFiles: Int

    private let lock = NSLock()
    /// nil after a rotation could not open a new file; the next line tries again.
    private var descriptor: Int32?
    private var size: Int
    private var dropped = 0

    /// Opens (or creates, 0600) the log at `path`, creating its folder (0700) when missing.
    public init(path: String, maxBytes: Int = 10 << 20, keptFiles: Int = 7) throws(HomeError) {
        precondition(maxBytes > 0 && keptFiles >= 0, "maxBytes must be positive and keptFiles not negative")
        self.path = path
        self.maxBytes = maxBytes
        self.keptFiles = keptFiles
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try PrivateFiles.makeDirectory(String(path[..<slash]))
        }
        let opened = try Self.openForAppend(path)
        descriptor = opened.descriptor
        size = opened.size
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    /// Lines dropped because they could not be written.
    public var droppedLines: Int {
        lock.withLock { dropped }
    }

    /// Appends `line` and a newline. `line` must not contain a newline of its own.
    public func append(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lock.withLock { writeLocked(bytes) }
    }

    private func writeLocked(_ bytes: [UInt8]) {
        if descriptor != nil, size > 0, size + bytes.count > maxBytes {
            rotateLocked()
        }
        if descriptor == nil, let opened = try? Self.openForAppend(path) {
            descriptor = opened.descriptor
            size = opened.size
        }
        guard let descriptor else {
            dropped += 1
            return
        }
        var written: Int
        repeat {
            written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        if written == bytes.count {
            size += written
            return
        }
        dropped += 1
        // The disk filled mid-line: cut the half line off so the file stays whole lines.
        if written > 0 { ftruncate(descriptor, off_t(size)) }
    }

    /// Shifts spl.log.N-1 → spl.log.N (replacing the oldest) down to spl.log → spl.log.1.
    /// Failures are ignored: logging goes on in whichever file can be opened.
    private func rotateLocked() {
        if let descriptor { close(descriptor) }
        descriptor = nil
        size = 0
        if keptFiles > 0 {
            for index in stride(from: keptFiles - 1, through: 1, by: -1) {
                rename("\(path).\(index)", "\(path).\(index + 1)")
            }
            rename(path, "\(path).1")
        } else {
            unlink(path)
        }
        if let opened = try? Self.openForAppend(path) {
            descriptor = opened.descriptor
            size = opened.size
        }
    }

    /// Opens `path` for appending; a file made here is `chmod`ed to 0600 whatever the umask,
    /// an existing one keeps its mode.
    private static func openForAppend(_ path: String) throws(HomeError) -> (descriptor: Int32, size: Int) {
        // O_NOFOLLOW: a log linked elsewhere would have the daemon append to a file it does not own.
        var descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, FileMode.privateFile)
        if descriptor >= 0 {
            guard fchmod(descriptor, FileMode.privateFile) == 0 else {
                let code = errno
                close(descriptor)
                throw .fileSystem(action: "set the mode of", path: path, errno: code)
            }
        } else if errno == EEXIST {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        }
        guard descriptor >= 0 else { throw .fileSystem(action: "open", path: path, errno: errno) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw .fileSystem(action: "read", path: path, errno: code)
        }
        return (descriptor, Int(info.st_size))
    }
}
