import Foundation

/// The one-daemon-per-home lock: `flock(LOCK_EX)` on run/spl.lock.
///
/// The kernel drops the lock when its holder exits, however it exits, so a crashed
/// daemon never leaves a stale lock. The file is never deleted: a process that deleted
/// and re-created it would lock a new inode while the old holder still runs. flock locks
/// belong to an open file description, so a second `acquire` fails even in the process
/// that holds the first. The holder writes its pid into the file for `ownerPID`.
///
/// ```swift
/// let lock = try HomeLock.acquire(home)   // HomeError.locked: "another spl serve (pid 4242) owns …"
/// defer { lock.release() }
/// ```
public final class HomeLock: @unchecked Sendable {
    public let path: String
    /// Guards `descriptor`, which `release` and `deinit` may reach from different threads.
    private let mutex = NSLock()
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock without waiting and records our pid in it, creating run/ and the
    /// lock file (0700, 0600) when missing.
    ///
    /// Throws `HomeError.locked` with the holder's pid when another open file holds it.
    public static func acquire(_ home: HomeLayout) throws(HomeError) -> HomeLock {
        try PrivateFiles.makeDirectory(home.runDirectory)
        let path = home.lockFile
        // O_CLOEXEC: a daemon's spawned children must not inherit, and so keep, the lock.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FileMode.privateFile)
        guard fd >= 0 else { throw .fileSystem(action: "open", path: path, errno: errno) }
        guard fchmod(fd, FileMode.privateFile) == 0 else {
            let code = errno
            close(fd)
            throw .fileSystem(action: "set the mode of", path: path, errno: code)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            guard code == EWOULDBLOCK else { throw .fileSystem(action: "lock", path: path, errno: code) }
            throw .locked(home: home.root, pid: ownerPID(home))
        }
        // Truncate only now: before the lock, the file holds the previous owner's pid.
        let pid = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, PrivateFiles.writeAll(pid, to: fd) == nil else {
            let code = errno
            close(fd)
            throw .fileSystem(action: "write", path: path, errno: code)
        }
        return HomeLock(path: path, descriptor: fd)
    }

    /// True when some process holds the home lock; takes and drops the lock to find out,
    /// so it never blocks and never creates the file.
    public static func isHeld(_ home: HomeLayout) -> Bool {
        let fd = open(home.lockFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }

    /// The pid the holder wrote into run/spl.lock, else the one in run/spl.pid.
    ///
    /// Meaningful only while the lock is held: the file keeps the last owner's pid after it exits.
    public static func ownerPID(_ home: HomeLayout) -> Int32? {
        (try? PIDFile.read(from: home.lockFile)) ?? (try? PIDFile.read(from: home.pidFile))
    }

    /// Drops the lock; later calls do nothing. The file stays.
    public func release() {
        release(leaving: nil)
    }

    /// Replaces the pid in the lock file with `contents` (the clean-shutdown stamp), synced,
    /// then drops the lock. Written through the held descriptor: the inode never changes.
    public func release(leaving contents: [UInt8]?) {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        if let contents, ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0,
            PrivateFiles.writeAll(contents, to: descriptor) == nil
        {
            fsync(descriptor)
        }
        // Unlock before closing: a process forked but not yet exec'd (anything this process
        // spawns, as the tests do all the time) shares the descriptor, and its copy would keep
        // the lock held until it execs.
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit {
        release()
    }
}
