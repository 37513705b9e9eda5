import Foundation

/// What a store file looked like when the daemon last closed it cleanly.
///
/// Written beside the store at clean shutdown; at the next start, a file that
/// still matches it (size, modification time, SQLite's change counter) skips
/// the slow `PRAGMA quick_check`. Anything else — no stamp, a different file,
/// WAL content left by a crash — asks for the full check.
///
/// ```swift
/// // shutdown, after the store is closed:
/// try CleanShutdownStamp(storePath: db).write(to: stampPath)
/// // start-up:
/// let full = CleanShutdownStamp.isFullCheckNeeded(storePath: db, stampPath: stampPath)
/// CleanShutdownStamp.remove(at: stampPath)  // a crash before the next clean shutdown must not match
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

    /// The stamp at `path`, or nil when there is none or it cannot be read.
    public static func load(from path: String) -> CleanShutdownStamp? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(CleanShutdownStamp.self, from: data)
    }

    /// Writes the stamp atomically, mode 0600.
    public func write(to path: String) throws(StoreError) {
        do {
            let data = try JSONEncoder().encode(self)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StoreError.fileSystem(path: path, operation: "write", reason: error.localizedDescription)
        }
        try DurableFile.setMode(path, 0o600)
    }

    public static func remove(at path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// True unless the store is exactly as the stamp at `stampPath` recorded it
    /// and no WAL content waits beside it.
    public static func isFullCheckNeeded(storePath: String, stampPath: String) -> Bool {
        guard let stamp = load(from: stampPath), let current = try? CleanShutdownStamp(storePath: storePath) else {
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
