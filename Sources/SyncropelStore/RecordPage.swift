import SyncropelKit

/// A page of records newest first (highest sequence first), across the store or one actor.
///
/// `nextCursor` is the sequence to pass as `before` for the next, older page;
/// nil on the last page.
public struct RecordPage: Sendable, Equatable {
    public let records: [StoredRecord]
    public let nextCursor: Int64?

    public init(records: [StoredRecord], nextCursor: Int64?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}
