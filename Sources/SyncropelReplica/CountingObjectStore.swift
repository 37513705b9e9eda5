import Synchronization

/// How much a replicator has written to its replica since it started: every object put
/// (segments, merged segments, snapshots, manifests, sealed keys) and every object deleted.
public struct ReplicaWrites: Sendable, Equatable {
    /// Bytes handed to the object store, as stored (gzip; before an encrypted replica's envelope).
    public var bytes: Int64 = 0
    public var objectsWritten: Int64 = 0
    public var objectsDeleted: Int64 = 0

    public init(bytes: Int64 = 0, objectsWritten: Int64 = 0, objectsDeleted: Int64 = 0) {
        self.bytes = bytes
        self.objectsWritten = objectsWritten
        self.objectsDeleted = objectsDeleted
    }
}

/// An object store that counts what goes through it to the one it wraps; only writes that
/// returned count, so the figures are what the replica received.
final class CountingObjectStore: ReplicaObjectStore {
    private let base: any ReplicaObjectStore
    private let counts = Mutex(ReplicaWrites())

    init(_ base: any ReplicaObjectStore) {
        self.base = base
    }

    var writes: ReplicaWrites { counts.withLock { $0 } }

    var location: String { base.location }

    func put(_ key: ReplicaKey, _ bytes: [UInt8]) async throws {
        try await base.put(key, bytes)
        counts.withLock {
            $0.bytes += Int64(bytes.count)
            $0.objectsWritten += 1
        }
    }

    func get(_ key: ReplicaKey) async throws -> [UInt8]? {
        try await base.get(key)
    }

    func list(prefix: String) async throws -> [ReplicaObjectInfo] {
        try await base.list(prefix: prefix)
    }

    func delete(_ key: ReplicaKey) async throws {
        try await base.delete(key)
        counts.withLock { $0.objectsDeleted += 1 }
    }
}
