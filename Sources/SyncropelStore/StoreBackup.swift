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
/// Each copy is taken inside one read transaction, so concurrent commits neither
/// restart nor leak into it, and the record count and highest sequence describe
/// exactly the copied state: a running daemon's store by copying the file itself
/// (`copy(live:…)`), a closed store file by SQLite's online backup. The copy is switched to
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
            try await onlineBackup(from: source, into: temporary, progress: progress)
        }
    }

    /// Backs up the open store of a running daemon: the file itself, copied by the kernel at
    /// a moment nothing can change it, or by SQLite's online backup when no such moment comes.
    ///
    /// Inside the writer, a PASSIVE checkpoint copies the WAL into the file; when it copied all
    /// of it, a read transaction starts before the writer lets go. SQLite never writes into the
    /// file a page newer than what an open reader sees, so while that read lasts the file is
    /// exactly the reader's snapshot, and commits go on into the WAL. The online backup instead
    /// copies page by page through SQLite's cache (about 0.6 of `cp`'s speed at 1M records). A
    /// reader on an older snapshot, or a background checkpoint running at that moment, keeps the
    /// checkpoint from finishing; after a few tries the online backup takes over.
    static func copy(
        live pool: DatabasePool, file: String, to destination: String, placement: Placement,
        progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws(StoreError) -> StoreBackupResult {
        try await write(to: destination, placement: placement) { temporary in
            for attempt in 1...fileCopyAttempts {
                if let counts = try await copyFileHeldStill(pool, file: file, into: temporary, progress: progress) {
                    try useRollbackJournal(temporary)
                    return counts
                }
                if attempt < fileCopyAttempts { try await Task.sleep(for: .milliseconds(20)) }
            }
            return try await onlineBackup(from: pool, into: temporary, progress: progress)
        }
    }

    /// Checkpoints that must find the whole WAL copied before the online backup is used instead.
    static let fileCopyAttempts = 5

    /// Copies `file` to `temporary` under a read transaction that began with the WAL wholly in
    /// the file (see `copy(live:…)`); returns the copied state's record count and highest
    /// sequence, or nil, with nothing written, when the checkpoint could not copy the whole WAL.
    private static func copyFileHeldStill(
        _ pool: DatabasePool, file: String, into temporary: String, progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws -> (recordCount: Int64, highestSequence: Int64)? {
        try await withCheckedThrowingContinuation { continuation in
            pool.asyncWriteWithoutTransaction { db in
                let checkpoint: (walFrameCount: Int, checkpointedFrameCount: Int)
                do {
                    checkpoint = try db.checkpoint(.passive)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    return continuation.resume(returning: nil)  // a background checkpoint is running
                } catch {
                    return continuation.resume(throwing: error)
                }
                guard checkpoint.walFrameCount >= 0, checkpoint.walFrameCount == checkpoint.checkpointedFrameCount else {
                    return continuation.resume(returning: nil)
                }
                // Starts the read before this write access ends, so no commit comes between.
                pool.asyncConcurrentRead { reading in
                    continuation.resume(with: Result {
                        let counts = try recordCounts(try reading.get())
                        _ = try DurableFile.copyContents(of: file, into: temporary) { done, total in
                            progress?(StoreBackupProgress(done: Int(done), total: Int(total), isCompleted: done == total))
                        }
                        return counts
                    })
                }
            }
        }
    }

    /// SQLite's online backup of `source` into a new file `temporary`, in one read transaction.
    private static func onlineBackup(
        from source: any DatabaseReader, into temporary: String, progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws -> (recordCount: Int64, highestSequence: Int64) {
        let copy = try DatabaseQueue(path: temporary)
        let counts = try await copy.writeWithoutTransaction { try copyPages(of: source, into: $0, progress: progress) }
        try copy.close()
        return counts
    }

    /// The body of an online backup, on the copy's connection: every page of one snapshot of
    /// `source`, then `journal_mode=DELETE`; the snapshot's record count and highest sequence.
    private static func copyPages(
        of source: any DatabaseReader, into copyDB: Database, progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) throws -> (recordCount: Int64, highestSequence: Int64) {
        let counts = try source.read { sourceDB in
            // The first read fixes the snapshot that the backup then copies.
            let counts = try recordCounts(sourceDB)
            try sourceDB.backup(to: copyDB, pagesPerStep: 1024) { step in
                progress?(StoreBackupProgress(
                    done: step.completedPageCount, total: step.totalPageCount, isCompleted: step.isCompleted))
            }
            return counts
        }
        try copyDB.execute(sql: "PRAGMA journal_mode = DELETE")
        return counts
    }

    /// The record count and highest sequence of a store file's snapshot, for a backup as it is
    /// written and as `BackupFileInfo` reads it back. The `threads` summaries are kept in the
    /// same transactions as `records`, so their sum is the record count without a scan of the
    /// log (`count(*)` takes tens of milliseconds at 1M records).
    static func recordCounts(_ db: Database) throws -> (recordCount: Int64, highestSequence: Int64) {
        let row = try Row.fetchOne(db, sql: """
            SELECT (SELECT coalesce(sum(record_count), 0) FROM threads), (SELECT coalesce(max(sequence), 0) FROM records)
            """)!
        return (try row.decode(Int64.self, atIndex: 0), try row.decode(Int64.self, atIndex: 1))
    }

    /// Writes a backup file at a temporary name beside `destination` with `body`, which returns
    /// the record count and highest sequence it holds; then makes it 0600, fsyncs it, puts it in
    /// place by `placement` and fsyncs the folder. On failure nothing is left behind.
    static func write(
        to destination: String, placement: Placement,
        _ body: (_ temporary: String) async throws -> (recordCount: Int64, highestSequence: Int64)
    ) async throws(StoreError) -> StoreBackupResult {
        let temporary = try temporaryName(for: destination, placement: placement)
        do {
            return try place(temporary, at: destination, placement: placement, counts: try await body(temporary))
        } catch {
            throw failure(error, temporary: temporary, destination: destination)
        }
    }

    /// `copy(file:…)` without suspending, replacing what is at `destination`: the copy of a
    /// store file taken as it is opened, before a migration changes it.
    static func copySynchronously(
        file source: String, to destination: String, progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) throws(StoreError) -> StoreBackupResult {
        let temporary = try temporaryName(for: destination, placement: .replacing)
        do {
            let reader = try ReadOnlyStoreFile.open(source)
            defer { try? reader.close() }
            let copy = try DatabaseQueue(path: temporary)
            let counts = try copy.writeWithoutTransaction { try copyPages(of: reader, into: $0, progress: progress) }
            try copy.close()
            return try place(temporary, at: destination, placement: .replacing, counts: counts)
        } catch {
            throw failure(error, temporary: temporary, destination: destination)
        }
    }

    /// A name beside `destination` for the copy being written; with `.keepingExisting`, refuses
    /// early when something is at `destination` already.
    private static func temporaryName(for destination: String, placement: Placement) throws(StoreError) -> String {
        if placement == .keepingExisting, (try? DurableFile.status(destination)) != nil {
            throw StoreError.destinationExists(path: destination)
        }
        let destinationURL = URL(fileURLWithPath: destination)
        let folder = destinationURL.deletingLastPathComponent().path
        return "\(folder)/.\(destinationURL.lastPathComponent).tmp-\(UInt32.random(in: .min ... .max))"
    }

    /// Makes the finished copy 0600, fsyncs it, puts it at `destination` and fsyncs the folder.
    private static func place(
        _ temporary: String, at destination: String, placement: Placement,
        counts: (recordCount: Int64, highestSequence: Int64)
    ) throws -> StoreBackupResult {
        try DurableFile.setMode(temporary, 0o600)
        try DurableFile.sync(temporary)
        switch placement {
        case .replacing: try DurableFile.move(temporary, to: destination)
        case .keepingExisting: try linkWithoutReplacing(temporary, to: destination)
        }
        try DurableFile.sync(URL(fileURLWithPath: destination).deletingLastPathComponent().path)
        let bytes = try DurableFile.status(destination).map { Int64($0.st_size) } ?? 0
        return StoreBackupResult(
            path: destination, bytes: bytes, recordCount: counts.recordCount, highestSequence: counts.highestSequence)
    }

    /// Removes what a failed copy left and names the failure.
    private static func failure(_ error: any Error, temporary: String, destination: String) -> StoreError {
        for leftover in [temporary, temporary + "-journal", temporary + "-wal", temporary + "-shm"] {
            try? FileManager.default.removeItem(atPath: leftover)
        }
        if case StoreError.destinationExists = error { return .destinationExists(path: destination) }
        return StoreError.backupFailed(destination: destination, reason: reason(error))
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
