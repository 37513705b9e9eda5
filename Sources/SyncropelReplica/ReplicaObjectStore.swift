/// Where a replica's objects live: a folder (`file:///path`) or an S3 bucket prefix
/// (`s3://bucket/prefix`). Replication sees only whole objects under `ReplicaKey`s, so
/// the segment format and the replicator never know which kind of storage is behind it.
///
/// A `put` that returns has made the object durable and whole: a reader never sees part
/// of one. That is what lets the replicator move its shipped mark only after `put`.
public protocol ReplicaObjectStore: Sendable {
    /// The replica's location for messages and logs; never holds a credential.
    var location: String { get }

    /// Writes the whole object, replacing one under the same key.
    func put(_ key: ReplicaKey, _ bytes: [UInt8]) async throws

    /// The object's bytes, or nil when there is no object under `key`.
    func get(_ key: ReplicaKey) async throws -> [UInt8]?

    /// Every object whose key starts with `prefix` (a folder path ending in `/`, or ""), by key.
    func list(prefix: String) async throws -> [ReplicaObjectInfo]

    /// Removes the object; removing one that is not there is not an error.
    func delete(_ key: ReplicaKey) async throws
}

/// One object of a listing.
public struct ReplicaObjectInfo: Sendable, Hashable {
    public let key: ReplicaKey
    public let size: Int

    public init(key: ReplicaKey, size: Int) {
        self.key = key
        self.size = size
    }
}
