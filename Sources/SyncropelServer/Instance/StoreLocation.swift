import SyncropelStore

/// Where an instance keeps its records, as `spl serve` resolved it from `--memory`,
/// `--store` and `[store] url`: the one place the daemon tells one backend from another.
public enum StoreLocation: Sendable, Equatable {
    /// `spl serve --memory`: nothing is on disk, so nothing of it is backed up.
    case memory
    /// A store file or a PostgreSQL database, as `spl store copy` names them too.
    case address(StoreAddress)

    /// The store file, when the records are in one.
    public var filePath: String? {
        if case .address(.sqlite(let path)) = self { return path }
        return nil
    }
}
