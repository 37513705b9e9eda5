/// What a passing health check learnt about a store file.
public struct StoreHealthReport: Sendable, Equatable {
    public let path: String
    public let schemaVersion: Int
    public let instanceDID: String?
    public let recordCount: Int64
    public let highestSequence: Int64
    /// Whether `PRAGMA quick_check` ran (start-up skips it after a clean shutdown).
    public let quickChecked: Bool

    public init(
        path: String, schemaVersion: Int, instanceDID: String?, recordCount: Int64, highestSequence: Int64,
        quickChecked: Bool
    ) {
        self.path = path
        self.schemaVersion = schemaVersion
        self.instanceDID = instanceDID
        self.recordCount = recordCount
        self.highestSequence = highestSequence
        self.quickChecked = quickChecked
    }

    /// True when opening the store will run migrations (SPEC 4 keeps a pre-migration copy first).
    public var needsMigration: Bool { schemaVersion < StoreSchema.currentVersion }
}
