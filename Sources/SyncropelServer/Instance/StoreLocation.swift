import SyncropelStore

/// Where an instance keeps its records, as `spl serve` resolved it from `--memory`,
/// `--store` and `[store] url`: the one place the daemon tells one backend from another.
public enum StoreLocation: Sendable, Equatable {
    /// `spl serve --memory`: nothing is on disk, so nothing of it is backed up.
    case memory
    /// An embedded SQLite store file.
    case file(String)
    /// A PostgreSQL database, which other daemons of the same instance may share.
    case postgres(PostgresStoreURL)

    /// The store file, when the records are in one.
    public var filePath: String? {
        if case .file(let path) = self { return path }
        return nil
    }
}
