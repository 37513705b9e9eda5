import GRDB

/// Why the store could not do what was asked, as one line an operator can act on.
///
/// Refused records are not store errors: ingest throws `RecordError` for those.
/// `description` names the file and, where SQLite failed, SQLite's own message:
///
/// ```
/// store /home/me/.syncro/hub.db is full: database or disk is full (SQLite error 13); nothing was written
/// ```
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store file could not be opened or created.
    case cannotOpen(path: String, sqliteMessage: String)
    /// The file was written by a newer `spl` whose schema this one does not know.
    case newerSchema(path: String, found: Int, supported: Int)
    /// SQLITE_FULL: the disk (or the database's page limit) is full; the request wrote nothing.
    case storeFull(path: String, sqliteMessage: String)
    /// Any other SQLite failure while reading or writing.
    case sqlite(path: String, sqliteMessage: String)
    /// A stored row whose canonical bytes no longer make the record it is filed under.
    case damagedRecord(path: String, sequence: Int64, reason: String)
    /// A backup could not be written; the destination was left untouched.
    case backupFailed(destination: String, reason: String)
    /// The copy of an older store kept before migrating it could not be written; the store
    /// was left as it was.
    case premigrationCopyFailed(path: String, copy: String, version: Int, reason: String)
    /// A backup was asked to go where a file already is; backups never overwrite.
    case destinationExists(path: String)
    /// A file beside the store (such as the clean-shutdown stamp) could not be written.
    case fileSystem(path: String, operation: String, reason: String)
    /// The store was closed before the request reached it.
    case closed(path: String)
    /// The instance key failed to sign a record.
    case signingFailed(reason: String)
    /// `meta.assignment_floor` holds something no restore writes (`found`, as SQLite holds it).
    case badAssignmentFloor(path: String, found: String)
    /// The PostgreSQL server cannot be reached, or the connection broke mid-request: nothing
    /// of the request is acknowledged, and the same request may succeed once it is back.
    case unavailable(url: String, reason: String)
    /// PostgreSQL refused or failed a request: its own message and SQLSTATE.
    case postgres(url: String, message: String)
    /// Another daemon writes this shared store; this one serves reads (`activeAddress` when known).
    case standby(url: String, activeAddress: String?)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let message):
            return "cannot open store \(path): \(message)"
        case .newerSchema(let path, let found, let supported):
            return StoreSchema.newerSchemaMessage(path: path, found: found, supported: supported)
        case .storeFull(let path, let message):
            return "store \(path) is full: \(message); nothing was written"
        case .sqlite(let path, let message):
            return "store \(path) failed: \(message)"
        case .damagedRecord(let path, let sequence, let reason):
            return "store \(path) has a damaged record at sequence \(sequence): \(reason); the file was changed outside spl, restore it from a backup"
        case .backupFailed(let destination, let reason):
            return "backup to \(destination) failed: \(reason)"
        case .premigrationCopyFailed(let path, let copy, let version, let reason):
            return "store \(path) needs schema version \(version), and the copy kept before migrating it could not be"
                + " written to \(copy): \(reason); the store was not changed, make room there and start again"
        case .destinationExists(let path):
            return "\(path) already exists and a backup never overwrites a file; choose another name"
        case .fileSystem(let path, let operation, let reason):
            return "cannot \(operation) \(path): \(reason)"
        case .closed(let path):
            return "store \(path) is closed"
        case .signingFailed(let reason):
            return "the instance key could not sign a record: \(reason)"
        case .badAssignmentFloor(let path, let found):
            return "store \(path) has assignment_floor \(found) in its meta table, not a whole number from 0 to "
                + "\(AssignmentFloor.maximum); the file was changed outside spl, restore it from a backup"
        case .unavailable(let url, let reason):
            return "store \(url) is unavailable: \(reason); nothing was written, try again once the server is back"
        case .postgres(let url, let message):
            return "store \(url) failed: \(message)"
        case .standby(let url, let active):
            return "this daemon is a standby on store \(url); send writes to the active daemon"
                + (active.map { " at \($0)" } ?? "") + ", or retry once this one has taken over"
        }
    }

    /// Classifies an error thrown by GRDB while working on the store at `path`.
    static func from(_ error: any Error, path: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        guard let databaseError = error as? DatabaseError else {
            return .sqlite(path: path, sqliteMessage: String(describing: error))
        }
        if databaseError.resultCode == .SQLITE_FULL {
            return .storeFull(path: path, sqliteMessage: databaseError.operatorMessage)
        }
        return .sqlite(path: path, sqliteMessage: databaseError.operatorMessage)
    }
}
