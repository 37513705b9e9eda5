import Foundation

/// What a store file looked like when the daemon last closed it cleanly.
///
/// The daemon leaves it in run/spl.lock when it stops cleanly (the lock file is
/// the one file in run/ that outlives a daemon); at the next start, a file that
/// still matches it (size, modification time, SQLite's change counter) skips
/// the slow `PRAGMA quick_check`. Anything else — no stamp, a different file,
/// WAL content left by a crash — asks for the full check. Taking the lock
/// overwrites the stamp with the new owner's pid, so a crash never leaves one.
///
/// ```swift
/// // shutdown, after the store is closed:
/// lock.release(leaving: try CleanShutdownStamp(storePath: db).encoded)
/// // start-up, before taking the lock:
/// let full = CleanShutdownStamp.isFullCheckNeeded(storePath: db, stamp: .load(from: lockFile))
/// ```
public struct CleanShutdownStamp: Codable, Sendable, Equatable {
    public let size: Int64
    public let modifiedSeconds: Int64
    public let modifiedNanoseconds: Int64
    /// The file change counter at byte offset 24 of the SQLite header.
    public let changeCounter: UInt32

    /// The stamp of the store file as it is now.
    public init(storePath: String) throws(StoreError) {
        guard let info = try DurableFile.status(storePath) else {
            throw StoreError.fileSystem(path: storePath, operation: "stamp", reason: "no such file")
        }
        size = Int64(info.st_size)
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        changeCounter = Self.changeCounter(storePath)
    }

    /// The stamp at `path`, or nil when there is none or the file holds something else (a pid).
    public static func load(from path: String) -> CleanShutdownStamp? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(CleanShutdownStamp.self, from: data)
    }

    /// The stamp as one line of JSON.
    public var encoded: [UInt8] {
        // Integers only: encoding cannot fail.
        Array(try! JSONEncoder().encode(self)) + [UInt8(ascii: "\n")]
    }

    /// True unless the store is exactly as `stamp` recorded it and no WAL content waits beside it.
    public static func isFullCheckNeeded(storePath: String, stamp: CleanShutdownStamp?) -> Bool {
        guard let stamp, let current = try? CleanShutdownStamp(storePath: storePath) else {
            return true
        }
        let walSize = (try? DurableFile.status(storePath + "-wal"))??.st_size ?? 0
        return stamp != current || walSize > 0
    }

    /// Big-endian UInt32 at offset 24; 0 when the file is too short to have one.
    private static func changeCounter(_ path: String) -> UInt32 {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 28), header.count == 28 else { return 0 }
        return header.suffix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
}
