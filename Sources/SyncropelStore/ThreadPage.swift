import SyncropelKit

/// Where a thread read starts.
public enum ThreadPosition: Sendable, Hashable {
    /// The newest records of the thread (the default page).
    case newest
    /// The first records whose clock is greater than this one, reading forward.
    case sinceClock(Int64)
    /// Continue from a cursor a previous page handed out, in its direction.
    case cursor(ThreadCursor)
}

/// One page of a thread, always in ascending (clock, sequence) order.
///
/// `olderCursor` is set when records older than the first one exist;
/// `newerCursor` when newer ones exist past the last (after a forward read) or
/// are known to exist (after a backward read from a cursor).
public struct ThreadPage: Sendable, Equatable {
    public let records: [StoredRecord]
    public let olderCursor: ThreadCursor?
    public let newerCursor: ThreadCursor?

    public init(records: [StoredRecord], olderCursor: ThreadCursor?, newerCursor: ThreadCursor?) {
        self.records = records
        self.olderCursor = olderCursor
        self.newerCursor = newerCursor
    }
}
