import Foundation
import SyncropelHome

/// `spl stop` / `spl serve --stop` (SPEC 5.1): signals only our own live daemon for this
/// home, and returns only once its lock is free.
public struct DaemonStopper: Sendable {
    public enum Outcome: Sendable, Equatable {
        case notRunning
        case stopped(pid: Int32)
        /// It ignored SIGTERM for the whole grace period.
        case killed(pid: Int32)
    }

    public let home: HomeLayout
    public var gracePeriod: Duration = .seconds(15)

    public init(home: HomeLayout) {
        self.home = home
    }

    public func stop() async throws(DaemonControlError) -> Outcome {
        guard HomeLock.isHeld(home) else { return .notRunning }
        guard let pid = HomeLock.ownerPID(home) else { throw .ownerUnknown(lockFile: home.lockFile) }
        guard isOurDaemon(pid) else { throw .notOurDaemon(pid: pid, lockFile: home.lockFile) }
        kill(pid, SIGTERM)
        if await lockFreed(within: gracePeriod) { return .stopped(pid: pid) }
        kill(pid, SIGKILL)
        if await lockFreed(within: .seconds(5)) { return .killed(pid: pid) }
        throw .stillRunning(pid: pid)
    }

    /// True when `pid` runs `spl serve` and holds this home's lock file open.
    ///
    /// The open file is compared by device and inode, not by path: /proc names it by its
    /// resolved path, and a home reached through a symlinked parent has another spelling.
    func isOurDaemon(_ pid: Int32) -> Bool {
        guard let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard arguments.contains("serve"), let lock = Self.fileIdentity(home.lockFile) else { return false }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return descriptors.contains { Self.fileIdentity("/proc/\(pid)/fd/\($0)") == lock }
    }

    /// Device and inode of the file `path` leads to.
    private static func fileIdentity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    private func lockFreed(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if !HomeLock.isHeld(home) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !HomeLock.isHeld(home)
    }
}

public enum DaemonControlError: Error, Sendable, Equatable, CustomStringConvertible {
    case ownerUnknown(lockFile: String)
    case notOurDaemon(pid: Int32, lockFile: String)
    case stillRunning(pid: Int32)

    public var description: String {
        switch self {
        case .ownerUnknown(let lockFile):
            "\(lockFile) is locked but names no process; find it with 'fuser \(lockFile)'"
        case .notOurDaemon(let pid, let lockFile):
            "pid \(pid) holds \(lockFile) but is not an spl serve of this home; not signalling it"
        case .stillRunning(let pid):
            "spl serve (pid \(pid)) did not exit after SIGKILL; check 'ps -p \(pid)'"
        }
    }
}
