import SyncropelKit

/// What ingest did with one record: stored it now, or found it already stored.
///
/// Either way `stored` is the record as the store holds it, so a retried write
/// gets the same answer as the first one.
public struct IngestResult: Sendable, Equatable {
    public enum Status: String, Sendable {
        case created
        case exists
    }

    public let stored: StoredRecord
    public let status: Status

    public init(stored: StoredRecord, status: Status) {
        self.stored = stored
        self.status = status
    }

    public var id: RecordID { stored.id }
    public var clock: Int64 { stored.record.clock }
    public var sequence: Int64 { stored.sequence }
}
