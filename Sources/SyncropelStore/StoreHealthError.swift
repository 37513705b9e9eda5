/// Why a store file cannot be used, with the one line an operator needs.
///
/// `description` names the file and quotes SQLite where SQLite spoke:
///
/// ```
/// store /home/me/.syncro/hub.db is damaged: file is not a database (SQLite error 26)
/// ```
public enum StoreHealthError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String)
    case empty(path: String)
    /// The header or the first page is not SQLite's (SQLITE_NOTADB, a zero-filled file).
    case notADatabase(path: String, sqliteMessage: String)
    /// SQLite reads a damaged structure (SQLITE_CORRUPT, or `quick_check` findings).
    case corrupt(path: String, sqliteMessage: String)
    /// A sound SQLite file that is not a record store.
    case notAStore(path: String, reason: String)
    case newerSchema(path: String, found: Int, supported: Int)
    /// Tables, indexes, views or triggers that the store never creates (a crafted file).
    case unexpectedSchema(path: String, objects: [String])
    /// SQLite could not read the file for another reason (I/O error, permissions).
    case unreadable(path: String, sqliteMessage: String)

    public var path: String {
        switch self {
        case .missing(let path), .empty(let path), .notADatabase(let path, _), .corrupt(let path, _),
            .notAStore(let path, _), .newerSchema(let path, _, _), .unexpectedSchema(let path, _), .unreadable(let path, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .missing(let path):
            return "store \(path) does not exist"
        case .empty(let path):
            return "store \(path) is empty (0 bytes)"
        case .notADatabase(let path, let message), .corrupt(let path, let message):
            return "store \(path) is damaged: \(message)"
        case .notAStore(let path, let reason):
            return "store \(path) is not a Syncropel store: \(reason)"
        case .newerSchema(let path, let found, let supported):
            return StoreSchema.newerSchemaMessage(path: path, found: found, supported: supported)
        case .unexpectedSchema(let path, let objects):
            return "store \(path) holds schema objects spl never creates (\(objects.joined(separator: ", "))); "
                + "it was not written by spl and is not opened: restore another backup"
        case .unreadable(let path, let message):
            return "store \(path) cannot be read: \(message)"
        }
    }
}
