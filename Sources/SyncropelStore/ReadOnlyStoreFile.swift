import Foundation
import GRDB

/// Opens a store file for reading without creating, locking or changing any file.
///
/// Used before the daemon owns the file (health check), on backups (`spl backup
/// verify`) and to back up a store no daemon has open.
enum ReadOnlyStoreFile {
    static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "syncropel.readonly"
        configuration.prepareDatabase { db in try StoreSchema.distrustSchema(db) }
        // A store nobody has open, with no WAL content, is wholly in the main file:
        // `immutable=1` reads it without locks and without creating -wal/-shm beside
        // it. A non-empty WAL (a store that was not closed cleanly) must be read too,
        // and a -shm means a daemon may have it open and may checkpoint into the main
        // file mid-read; both open normally, still read-only, with no file to create.
        let walSize = (try? DurableFile.status(path + "-wal"))??.st_size ?? 0
        let sharedMemory = (try? DurableFile.status(path + "-shm")) ?? nil
        let inUse = walSize > 0 || sharedMemory != nil
        let target = inUse ? path : "file:\(uriPath(path))?immutable=1"
        return try DatabaseQueue(path: target, configuration: configuration)
    }

    /// `path` escaped for a SQLite URI filename (`%`, `?` and `#` would otherwise end or alter it).
    private static func uriPath(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
    }
}
