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

/// A thread page as the wire text of its records (`StoredRecord.appendJSONText`), ascending and
/// comma-separated, with the cursors `ThreadPage` would have: what a thread read sends, made
/// without building a `StoredRecord` where the store can.
public struct ThreadPageText: Sendable {
    public let records: [UInt8]
    public let count: Int
    public let olderCursor: ThreadCursor?
    public let newerCursor: ThreadCursor?

    public init(records: [UInt8], count: Int, olderCursor: ThreadCursor?, newerCursor: ThreadCursor?) {
        self.records = records
        self.count = count
        self.olderCursor = olderCursor
        self.newerCursor = newerCursor
    }

    /// The text of a page already read.
    public init(_ page: ThreadPage) {
        var text: [UInt8] = []
        for (index, stored) in page.records.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            stored.appendJSONText(to: &text)
        }
        self.init(records: text, count: page.records.count, olderCursor: page.olderCursor, newerCursor: page.newerCursor)
    }
}
