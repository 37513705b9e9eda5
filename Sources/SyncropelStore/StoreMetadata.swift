/// The store's `meta` table: who made it and in which schema.
public struct StoreMetadata: Sendable, Equatable {
    public let schemaVersion: Int
    /// The instance that created the store, when it was recorded.
    public let instanceDID: String?
    /// The `spl` version that created the store.
    public let createdByVersion: String?

    public init(schemaVersion: Int, instanceDID: String?, createdByVersion: String?) {
        self.schemaVersion = schemaVersion
        self.instanceDID = instanceDID
        self.createdByVersion = createdByVersion
    }
}
