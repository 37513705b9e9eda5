import Foundation
import Glibc
import GRDB

/// How many records a store file holds, or why that cannot be said.
public enum StoreFileContents: Sendable, Equatable {
    case missing
    case records(Int64)
    /// A file that is empty, zero-filled or otherwise not a readable store.
    case unreadable(reason: String)

    public var recordCount: Int64? {
        if case .records(let count) = self { return count }
        return nil
    }
}

/// What a restore would do, worked out before anything moves, so the operator sees it first.
public struct RestorePlan: Sendable, Equatable {
    /// The store as it is now.
    public let current: StoreFileContents
    /// The backup that would replace it.
    public let backup: StoreFileContents
    /// Records of the current store whose id is not in the backup; nil when either file cannot be read.
    public let lostRecords: Int64?
}

/// Where the replaced store went.
public struct RestoreResult: Sendable, Equatable {
    /// `hub.db.replaced.<epoch>` and its side files, as moved; empty when there was no store.
    public let replacedFiles: [String]
    public let bytes: Int64
    /// The `AssignmentFloor` written into the restored store; nil when the file is not a
    /// store this `spl` opens (restored with `--force`), which a daemon refuses to start on.
    public let assignmentFloor: Int64?
}

/// Why a restore did not happen; nothing was moved.
public enum StoreRestoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The backup has WAL content beside it that a copy of the main file would leave behind.
    case backupHasWAL(path: String)
    case fileSystem(StoreError)

    public var description: String {
        switch self {
        case .backupHasWAL(let path):
            return "\(path)-wal holds changes that are not in \(path) yet; fold them in with "
                + "'sqlite3 \(path) \"PRAGMA wal_checkpoint(TRUNCATE)\"' and restore again"
        case .fileSystem(let error):
            return error.description
        }
    }
}

/// Puts a backup in place of a store that no daemon has open (SPEC 8.2 `backup restore`).
///
/// The backup is copied beside the store under a temporary name (0600, fsynced) first; only
/// then does `hub.db` move to `hub.db.replaced.<epoch>` (its -wal, -shm and -journal to
/// `hub.db.replaced.<epoch>-wal` …, so a stale WAL can never be replayed into the restored
/// file), the copy is renamed to `hub.db` and the folder fsynced. The copy gets an
/// `AssignmentFloor` first (the backup may lack acknowledged records whose numbers must not
/// be handed out again); otherwise the bytes are copied as they are: a damaged file restored
/// with `--force` arrives exactly as it was.
///
/// ```swift
/// let plan = try StoreRestore.plan(backup: file, store: home.storeFile)
/// print("\(plan.current.recordCount ?? 0) now → \(plan.backup.recordCount ?? 0) after")
/// let result = try StoreRestore.install(backup: file, store: home.storeFile, at: Date())
/// ```
public enum StoreRestore {
    public static func plan(backup: String, store: String) -> RestorePlan {
        let current = contents(of: store)
        let restored = contents(of: backup)
        let lost: Int64?
        switch (current, restored) {
        case (.missing, _):
            lost = 0
        case (.records(let count), .missing), (.records(let count), .unreadable):
            lost = count
        case (.records, .records):
            lost = try? lostRecords(store: store, backup: backup)
        case (.unreadable, _):
            lost = nil
        }
        return RestorePlan(current: current, backup: restored, lostRecords: lost)
    }

    /// `copied` hears the bytes copied so far after every MiB.
    public static func install(
        backup: String, store: String, at date: Date, copied: ((Int64) -> Void)? = nil
    ) throws(StoreRestoreError) -> RestoreResult {
        if let wal = try? DurableFile.status(backup + "-wal"), wal.st_size > 0 {
            throw .backupHasWAL(path: backup)
        }
        let folder = URL(fileURLWithPath: store).deletingLastPathComponent().path
        let temporary = "\(folder)/.\(URL(fileURLWithPath: store).lastPathComponent).restoring-\(UInt32.random(in: .min ... .max))"
        do {
            let bytes = try copyBytes(from: backup, to: temporary, copied: copied)
            let floor = AssignmentFloor.microseconds(at: date)
            let floorWritten = AssignmentFloor.write(floor, intoFileAt: temporary)
            let replaced = try moveAside(store, at: date)
            try DurableFile.move(temporary, to: store)
            try DurableFile.sync(folder)
            return RestoreResult(replacedFiles: replaced, bytes: bytes, assignmentFloor: floorWritten ? floor : nil)
        } catch {
            unlink(temporary)
            throw .fileSystem(error)
        }
    }

    /// The record count of a store file, read without creating anything beside a backup.
    static func contents(of path: String) -> StoreFileContents {
        do {
            guard let info = try BackupFileInfo.read(path) else { return .missing }
            return .records(info.recordCount)
        } catch {
            return .unreadable(reason: error.description)
        }
    }

    /// Ids in `store` that `backup` does not hold: both id indexes walked in order, side by side.
    private static func lostRecords(store: String, backup: String) throws -> Int64 {
        let current = try ReadOnlyStoreFile.open(store)
        defer { try? current.close() }
        let restored = try ReadOnlyStoreFile.open(backup)
        defer { try? restored.close() }
        // Each file in id order through its own id index (the two may be of different versions).
        func ids(_ db: Database) throws -> FastDatabaseValueCursor<String> {
            let order = StoreSchema.idOrder(version: try StoreSchema.schemaVersion(db) ?? StoreSchema.currentVersion)
            return try String.fetchCursor(db, sql: "SELECT id FROM records \(order)")
        }
        return try current.read { currentDB in
            try restored.read { restoredDB in
                let currentIDs = try ids(currentDB)
                let restoredIDs = try ids(restoredDB)
                var lost: Int64 = 0
                var next = try restoredIDs.next()
                while let id = try currentIDs.next() {
                    // SQLite orders TEXT by its bytes; compare the same way.
                    while let candidate = next, candidate.utf8.lexicographicallyPrecedes(id.utf8) {
                        next = try restoredIDs.next()
                    }
                    if next != id { lost += 1 }
                }
                return lost
            }
        }
    }

    /// Moves `store` and its side files to `<store>.replaced.<epoch>[-wal|-shm|-journal]`;
    /// a later second is used when that name is taken.
    private static func moveAside(_ store: String, at date: Date) throws(StoreError) -> [String] {
        let sideFiles = ["", "-wal", "-shm", "-journal"].filter { (try? DurableFile.status(store + $0)) != nil }
        guard !sideFiles.isEmpty else { return [] }
        var epoch = Int64(date.timeIntervalSince1970)
        while ["", "-wal", "-shm", "-journal"].contains(where: { (try? DurableFile.status("\(store).replaced.\(epoch)\($0)")) != nil }) {
            epoch += 1
        }
        var moved: [String] = []
        for suffix in sideFiles {
            let destination = "\(store).replaced.\(epoch)\(suffix)"
            try DurableFile.move(store + suffix, to: destination)
            moved.append(destination)
        }
        return moved
    }

    /// Copies the bytes of `source` into a new file `destination` (0600), fsynced; returns the size.
    private static func copyBytes(
        from source: String, to destination: String, copied: ((Int64) -> Void)?
    ) throws(StoreError) -> Int64 {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw failure(source, "open") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw failure(destination, "create") }
        defer { close(output) }
        guard fchmod(output, 0o600) == 0 else { throw failure(destination, "set the mode of") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw failure(source, "read") }
            if count == 0 { break }
            var written = 0
            while written < count {
                let step = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                guard step > 0 else { throw failure(destination, "write") }
                written += step
            }
            total += Int64(count)
            copied?(total)
        }
        guard fsync(output) == 0 else { throw failure(destination, "fsync") }
        return total
    }

    private static func failure(_ path: String, _ operation: String) -> StoreError {
        .fileSystem(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }
}
