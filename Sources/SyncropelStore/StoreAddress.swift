import Foundation

/// Why a store named on a command line could not be used.
public enum StoreAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownScheme(String)
    case missingFile(String)
    case badURL(PostgresStoreURLError)

    public var description: String {
        switch self {
        case .unknownScheme(let text):
            "\(text) names no store spl knows; give a file path, sqlite:///path or postgresql://user@host:port/database"
        case .missingFile(let path):
            "no store file at \(path)"
        case .badURL(let error):
            error.description
        }
    }
}

/// A store as an operator names it: a file path, `sqlite:///path`, or `postgresql://…`.
///
/// ```swift
/// let address = try StoreAddress("backup.db", currentDirectory: cwd, environment: environment)
/// let store = try await address.open(role: .existing, createdByVersion: "0.1.0", instanceDID: nil)
/// ```
public enum StoreAddress: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresStoreURL)

    /// Whether opening may create the store.
    public enum Role: Sendable {
        /// Read from: it must already exist.
        case existing
        /// Written to: created when missing.
        case creating
    }

    /// `environment` gives a PostgreSQL URL its password (`${VAR}` or `PGPASSWORD`).
    public init(_ text: String, currentDirectory: String, environment: [String: String]) throws(StoreAddressError) {
        if PostgresStoreURL.isPostgresURL(text) {
            do {
                self = .postgres(try PostgresStoreURL(parsing: text, environment: environment))
            } catch {
                throw .badURL(error)
            }
        } else if text.hasPrefix("sqlite://") {
            self = .sqlite(path: Self.absolute(String(text.dropFirst("sqlite://".count)), in: currentDirectory))
        } else if text.contains("://") {
            throw .unknownScheme(text)
        } else {
            self = .sqlite(path: Self.absolute(text, in: currentDirectory))
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let url): url.description
        }
    }

    /// Opens the store; a database is created in (its schema made) whatever the role, a file only for `.creating`.
    /// `durability`, `premigrationCopyFolder` and `migrationProgress` apply to a file; a database
    /// keeps its own settings.
    public func open(
        role: Role, createdByVersion: String, instanceDID: String?, durability: SQLiteRecordStore.Durability = .normal,
        premigrationCopyFolder: String? = nil,
        migrationProgress: (@Sendable (SQLiteRecordStore.StoreMigrationStep) -> Void)? = nil
    ) async throws -> any RecordStore {
        switch self {
        case .sqlite(let path):
            if role == .existing, !FileManager.default.fileExists(atPath: path) {
                throw StoreAddressError.missingFile(path)
            }
            return try SQLiteRecordStore(path: path, options: .init(
                createdByVersion: createdByVersion, instanceDID: instanceDID, durability: durability,
                premigrationCopyFolder: premigrationCopyFolder, migrationProgress: migrationProgress))
        case .postgres(let url):
            return try await PostgresRecordStore.open(
                url: url, options: .init(createdByVersion: createdByVersion, instanceDID: instanceDID))
        }
    }

    private static func absolute(_ path: String, in folder: String) -> String {
        let joined = path.hasPrefix("/") ? path : folder + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}
