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

/// A thread page as the wire text of its records (`StoredRecord.appendJSONText`), with the
/// cursors `ThreadPage` would have: what a thread read sends, made without building a
/// `StoredRecord` where the store can. The texts stay where they were written, in the order
/// read; `ranges` puts them in page order, so a backward read is never copied to be reversed.
public struct ThreadPageText: Sendable {
    public let text: [UInt8]
    /// Where each record's text lies in `text`, ascending by (clock, sequence).
    public let ranges: [Range<Int>]
    public let olderCursor: ThreadCursor?
    public let newerCursor: ThreadCursor?

    public init(text: [UInt8], ranges: [Range<Int>], olderCursor: ThreadCursor?, newerCursor: ThreadCursor?) {
        self.text = text
        self.ranges = ranges
        self.olderCursor = olderCursor
        self.newerCursor = newerCursor
    }

    /// The text of a page already read.
    public init(_ page: ThreadPage) {
        var text: [UInt8] = []
        var ranges: [Range<Int>] = []
        for stored in page.records {
            let start = text.count
            stored.appendJSONText(to: &text)
            ranges.append(start..<text.count)
        }
        self.init(text: text, ranges: ranges, olderCursor: page.olderCursor, newerCursor: page.newerCursor)
    }

    public var count: Int { ranges.count }
}
