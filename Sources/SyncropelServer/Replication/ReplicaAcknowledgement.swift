import SyncropelHome
import SyncropelReplica

/// The wait of a write on the replica with `ack = "after_replica"` (docs/REPLICATION.md,
/// "Synchronous mode"): the write's records are committed in the store before it starts.
struct ReplicaAcknowledgement: Sendable {
    let replica: HomeConfig.Replica
    let waiters: ShippedWaiters

    /// Nil once the replica holds every record through `sequence`; the refusal to answer with
    /// when `ack_timeout` passed first.
    func wait(through sequence: Int64, records: Int) async -> APIError? {
        guard await !waiters.waitUntilShipped(sequence, timeout: replica.ackTimeout.duration) else { return nil }
        let what = records == 1 ? "the record is" : "the \(records) records are"
        return APIError(
            .serviceUnavailable, "REPLICA_UNAVAILABLE",
            "\(what) committed in this instance's store, but replica \(replica.name) (ack = \"after_replica\") did not hold "
                + "\(records == 1 ? "it" : "them") within ack_timeout \(replica.ackTimeout); send the same request again: "
                + "ingest is idempotent by id, and the answer waits for the replica again")
    }
}
