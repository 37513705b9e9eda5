import Foundation
import SyncropelTestSupport

/// What a file looked like: its bytes (SHA-256) and its modification time to the nanosecond.
struct FileFingerprint: Equatable, CustomStringConvertible {
    let sha256: String
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    var description: String { "\(size) bytes sha256 \(sha256.prefix(16))… mtime \(modifiedSeconds).\(modifiedNanoseconds)" }

    /// Every regular file under `root` (recursively), keyed by its path relative to `root`;
    /// empty when `root` does not exist.
    static func tree(_ root: String) async throws -> [String: FileFingerprint] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
        var relativePaths: [String] = []
        while let relative = walker.nextObject() as? String {
            var info = stat()
            if lstat(root + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                relativePaths.append(relative)
            }
        }
        let digests = try await sha256(relativePaths.map { root + "/" + $0 })
        var result: [String: FileFingerprint] = [:]
        for relative in relativePaths {
            result[relative] = try of(root + "/" + relative, sha256: digests[root + "/" + relative] ?? "")
        }
        return result
    }

    /// The fingerprint of one file.
    static func of(_ path: String) async throws -> FileFingerprint {
        try await of(path, sha256: sha256([path])[path] ?? "")
    }

    private static func of(_ path: String, sha256: String) throws -> FileFingerprint {
        var info = stat()
        guard stat(path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return FileFingerprint(
            sha256: sha256, size: Int64(info.st_size),
            modifiedSeconds: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
    }

    /// `sha256sum` over the files, digest by path.
    private static func sha256(_ paths: [String]) async throws -> [String: String] {
        guard !paths.isEmpty else { return [:] }
        let output = try await ShellTool.run("sha256sum", paths)
        var digests: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            digests[String(parts[1].drop(while: { $0 == " " || $0 == "*" }))] = String(parts[0])
        }
        return digests
    }
}

/// Small command-line tools the tests lean on (sha256sum, sqlite3), found on PATH.
enum ShellTool {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let stderr: String
        var description: String { "\(command) exited \(status): \(stderr)" }
    }

    /// Runs `name arguments…` off the cooperative pool and returns its stdout; throws when it exits non-zero.
    static func run(_ name: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        process.standardInput = FileHandle.nullDevice
        let (status, outData, errorData) = try await offThePool { try SPLProcess.runToEnd(process) }
        guard status == 0 else {
            throw Failure(
                command: ([name] + arguments).joined(separator: " "), status: status,
                stderr: String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// `sqlite3 <database> <sql>`, trimmed.
    static func sqlite(_ database: String, _ sql: String) async throws -> String {
        try await run("sqlite3", [database, sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Turns a closed version-2 store back into version 1's, as the previous `spl` wrote it: the
    /// unique index of the whole id instead of the 16-digit prefix index, and no record of the
    /// second migration (GRDB's `grdb_migrations`). Every check refuses a store whose tables and
    /// indexes are not exactly those of its version, so one that passes proves it is version 1.
    static func rewriteAsSchemaVersionOne(_ store: String) async throws {
        _ = try await sqlite(store, """
            DROP INDEX records_id_prefix; CREATE UNIQUE INDEX records_id ON records (id);
            UPDATE meta SET value = 1 WHERE key = 'schema_version';
            DELETE FROM grdb_migrations WHERE identifier = 'v2';
            """)
    }
}

/// Facts about a daemon process that is not the test's child (it was spawned by
/// `spl serve --daemon` in a session of its own), read from /proc.
enum DaemonProcess {
    /// True once `pid` is gone, or a zombie with no thread left: a zombie has exited and
    /// released its files and locks, and whoever inherited it may be slow to reap it. (A
    /// killed thread-group leader turns zombie while its other threads may still be tearing
    /// down, holding the process's descriptors; those are listed in /proc/<pid>/task.)
    static func hasExited(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        guard state == "Z" || state == "X" else { return false }
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.count <= 1
    }

    /// Waits until `pid` has exited; false when it still runs after `seconds`. The polling runs
    /// off the cooperative pool, so a busy test process cannot stretch the time it measures.
    static func waitForExit(_ pid: Int32, seconds: Double) async throws -> Bool {
        await offThePool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if hasExited(pid) { return true }
                usleep(20_000)
            }
            return hasExited(pid)
        }
    }

    /// True when nobody holds the home lock `<home>/run/spl.lock` (or it does not exist).
    /// Probes with a non-blocking flock on a descriptor no spawned process can inherit.
    static func isLockFree(home: String) -> Bool {
        let descriptor = open(home + "/run/spl.lock", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return false }
        flock(descriptor, LOCK_UN)
        return true
    }
}

/// A TCP socket listening on 127.0.0.1, so a daemon finds its port taken.
final class ListeningSocket: Sendable {
    let port: Int
    let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard listening else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
