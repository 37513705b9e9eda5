import Foundation

/// Where one replica stands, for `/health`, `spl status` and `spl doctor`. Never holds a credential.
public struct ReplicationStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Not shipped anything yet since the daemon started.
        case starting
        case working
        /// The last attempt failed; the replicator is backing off and retrying.
        case failing
    }

    public let name: String
    public let location: String
    public let state: State
    public let generation: String?
    /// The highest sequence the replica holds; nil before the first generation is written.
    public let shippedSequence: Int64?
    /// Records committed but not yet in the replica.
    public let lagRecords: Int64
    /// Seconds since the oldest record not yet in the replica was committed; 0 without lag.
    public let lagSeconds: Double
    public let lastShippedAt: Date?
    public let lastError: String?
    /// What this daemon run wrote to the replica so far.
    public let writes: ReplicaWrites

    public init(
        name: String, location: String, state: State, generation: String?, shippedSequence: Int64?, lagRecords: Int64,
        lagSeconds: Double, lastShippedAt: Date?, lastError: String?, writes: ReplicaWrites = ReplicaWrites()
    ) {
        self.name = name
        self.location = location
        self.state = state
        self.generation = generation
        self.shippedSequence = shippedSequence
        self.lagRecords = lagRecords
        self.lagSeconds = lagSeconds
        self.lastShippedAt = lastShippedAt
        self.lastError = lastError
        self.writes = writes
    }
}
