import Foundation
import Glibc
import GRDB

/// How far a backup has copied: database pages for SQLite's file copy, records for a
/// PostgreSQL store's record-level snapshot.
public struct StoreBackupProgress: Sendable, Equatable {
    public let done: Int
    public let total: Int
    /// True on the last report, once everything is copied.
    public let isCompleted: Bool

    public init(done: Int, total: Int, isCompleted: Bool) {
        self.done = done
        self.total = total
        self.isCompleted = isCompleted
    }

    public var fractionCompleted: Double {
        total == 0 ? 1 : Double(done) / Double(total)
    }
}

/// A backup file that is written, synced and in place.
public struct StoreBackupResult: Sendable, Equatable {
    public let path: String
    public let bytes: Int64
    public let recordCount: Int64
    public let highestSequence: Int64

    public init(path: String, bytes: Int64, recordCount: Int64, highestSequence: Int64) {
        self.path = path
        self.bytes = bytes
        self.recordCount = recordCount
        self.highestSequence = highestSequence
    }
}

/// Consistent copies of a store, safe to take while the daemon keeps writing.
///
/// SQLite's online backup runs inside one read transaction, so concurrent
/// commits neither restart nor leak into the copy, and the record count and
/// highest sequence describe exactly the copied state. The copy is switched to
/// `journal_mode=DELETE` (it opens with no -wal/-shm beside it), written under
/// a temporary name in the destination folder, made 0600, fsynced, put in place
/// (renamed over `destination`, or linked only if nothing is there: `Placement`),
/// and the folder fsynced. On failure nothing is left behind and `destination`
/// is untouched.
///
/// ```swift
/// let result = try await StoreBackup.copy(
///     file: home + "/hub.db", to: folder + "/hub.db.20250101-030000", placement: .keepingExisting)
/// print(result.path, result.bytes, result.recordCount)
/// ```
public enum StoreBackup {
    /// What to do when a file is already at the destination.
    public enum Placement: Sendable {
        /// Rename over it (the startup backup's own incoming file).
        case replacing
        /// Refuse with `StoreError.destinationExists` (`backup now`, daily backups, `--to FILE`);
        /// checked atomically when the copy is linked into place, so two backups racing for one
        /// name cannot overwrite each other.
        case keepingExisting
    }

    /// Backs up a store file that no daemon has open (`spl backup now` without a daemon).
    public static func copy(
        file source: String, to destination: String, placement: Placement = .replacing,
        progress: (@Sendable (StoreBackupProgress) -> Void)? = nil
    ) async throws(StoreError) -> StoreBackupResult {
        let database: DatabaseQueue
        do {
            database = try ReadOnlyStoreFile.open(source)
        } catch {
            throw StoreError.backupFailed(destination: destination, reason: "cannot read \(source): \(reason(error))")
        }
        defer { try? database.close() }
        return try await copy(from: database, to: destination, placement: placement, progress: progress)
    }

    static func copy(
        from source: any DatabaseReader, to destination: String, placement: Placement = .replacing,
        progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws(StoreError) -> StoreBackupResult {
        try await write(to: destination, placement: placement) { temporary in
            let copy = try DatabaseQueue(path: temporary)
            let counts = try await copy.writeWithoutTransaction { copyDB in
                let counts = try source.read { sourceDB in
                    // The first read fixes the snapshot that the backup then copies.
                    let row = try Row.fetchOne(sourceDB, sql: "SELECT count(*), coalesce(max(sequence), 0) FROM records")!
                    try sourceDB.backup(to: copyDB, pagesPerStep: 1024) { step in
                        progress?(StoreBackupProgress(
                            done: step.completedPageCount, total: step.totalPageCount, isCompleted: step.isCompleted))
                    }
                    return (try row.decode(Int64.self, atIndex: 0), try row.decode(Int64.self, atIndex: 1))
                }
                try copyDB.execute(sql: "PRAGMA journal_mode = DELETE")
                return counts
            }
            try copy.close()
            return counts
        }
    }

    /// Writes a backup file at a temporary name beside `destination` with `body`, which returns
    /// the record count and highest sequence it holds; then makes it 0600, fsyncs it, puts it in
    /// place by `placement` and fsyncs the folder. On failure nothing is left behind.
    static func write(
        to destination: String, placement: Placement,
        _ body: (_ temporary: String) async throws -> (recordCount: Int64, highestSequence: Int64)
    ) async throws(StoreError) -> StoreBackupResult {
        if placement == .keepingExisting, (try? DurableFile.status(destination)) != nil {
            throw StoreError.destinationExists(path: destination)
        }
        let destinationURL = URL(fileURLWithPath: destination)
        let folder = destinationURL.deletingLastPathComponent().path
        let temporary = "\(folder)/.\(destinationURL.lastPathComponent).tmp-\(UInt32.random(in: .min ... .max))"
        do {
            let (recordCount, highestSequence) = try await body(temporary)
            try DurableFile.setMode(temporary, 0o600)
            try DurableFile.sync(temporary)
            switch placement {
            case .replacing: try DurableFile.move(temporary, to: destination)
            case .keepingExisting: try linkWithoutReplacing(temporary, to: destination)
            }
            try DurableFile.sync(folder)
            let bytes = try DurableFile.status(destination).map { Int64($0.st_size) } ?? 0
            return StoreBackupResult(
                path: destination, bytes: bytes, recordCount: recordCount, highestSequence: highestSequence)
        } catch {
            for leftover in [temporary, temporary + "-journal", temporary + "-wal", temporary + "-shm"] {
                try? FileManager.default.removeItem(atPath: leftover)
            }
            if case StoreError.destinationExists = error { throw .destinationExists(path: destination) }
            throw StoreError.backupFailed(destination: destination, reason: reason(error))
        }
    }

    /// Switches a closed store file to `journal_mode=DELETE`, so it opens with no -wal or -shm beside it.
    static func useRollbackJournal(_ path: String) throws {
        let file = try DatabaseQueue(path: path)
        try file.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try file.close()
    }

    /// Puts `temporary` at `destination` only if nothing is there: `link` fails with EEXIST
    /// where `rename` would silently replace.
    private static func linkWithoutReplacing(_ temporary: String, to destination: String) throws(StoreError) {
        guard link(temporary, destination) == 0 else {
            if errno == EEXIST { throw StoreError.destinationExists(path: destination) }
            throw StoreError.fileSystem(
                path: destination, operation: "link \(temporary) to", reason: String(cString: strerror(errno)))
        }
        unlink(temporary)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case let databaseError as DatabaseError: databaseError.operatorMessage
        case let storeError as StoreError: storeError.description
        default: String(describing: error)
        }
    }
}
