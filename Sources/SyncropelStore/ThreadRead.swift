import GRDB

/// The SQL of one thread page for a position, and how its rows make the page (`ThreadPage`'s
/// cursors).
///
/// A page is ordered by (clock, sequence), but the index that finds a thread's records is
/// (thread, clock, actor). Ordering by sequence in SQL put every row through a temporary
/// B-tree (`USE TEMP B-TREE FOR RIGHT PART OF ORDER BY`) that copied each row, canonical bytes
/// and all: about a third of a 1000-record page's time. So `sql` asks for index order, clock
/// then actor, and `collect` orders each clock's rows by sequence. Only where a clock's rows
/// straddle the page's edge in an order their sequences do not follow does the page come from
/// `sortedSQL`, the ordering done by SQLite as before.
struct ThreadRead {
    /// Index order, no limit: `collect` stops reading.
    let sql: String
    let arguments: StatementArguments
    /// (clock, sequence) order, one row more than the page.
    let sortedSQL: String
    let sortedArguments: StatementArguments
    let limit: Int
    /// A backward read: rows come newest first, and the page is them reversed.
    let newestFirst: Bool
    /// Read from a cursor: records lie on the side the cursor came from.
    let fromCursor: Bool

    init(thread: String, position: ThreadPosition, limit: Int, columns: String) {
        let select = "SELECT \(columns) FROM records WHERE thread = ?"
        let condition: String
        switch position {
        case .newest:
            (condition, arguments, newestFirst, fromCursor) = ("", [thread], true, false)
        case .sinceClock(let clock):
            (condition, arguments, newestFirst, fromCursor) = (" AND clock > ?", [thread, clock], false, false)
        case .cursor(let cursor) where cursor.direction == .older:
            (condition, arguments, newestFirst, fromCursor) = (
                " AND (clock, sequence) < (?, ?)", [thread, cursor.clock, cursor.sequence], true, true
            )
        case .cursor(let cursor):
            (condition, arguments, newestFirst, fromCursor) = (
                " AND (clock, sequence) > (?, ?)", [thread, cursor.clock, cursor.sequence], false, true
            )
        }
        let direction = newestFirst ? " DESC" : ""
        sql = "\(select)\(condition) ORDER BY clock\(direction), actor\(direction)"
        sortedSQL = "\(select)\(condition) ORDER BY clock\(direction), sequence\(direction) LIMIT ?"
        sortedArguments = arguments + [limit + 1]
        self.limit = limit
    }

    typealias Key = (clock: Int64, sequence: Int64)

    /// The page's rows in (clock, sequence) order of the read's direction, and whether more lie
    /// beyond them; nil when a row read past the first `limit` belongs in the page (read
    /// `sortedSQL` then). `next` steps to the next row (false at the end), `key` reads the clock
    /// and sequence of the row stepped to, `take` makes the row stepped to into the page's form:
    /// only the first `limit` rows are taken, and a row that fails to be taken fails the page
    /// only if it is in it. Past them, the keys of the rest of that clock are read, and of one
    /// row more, which tells whether more records lie beyond.
    func collect<Taken>(
        next: () throws -> Bool, key: () -> Key, take: () throws -> Taken
    ) throws -> (page: [Taken], hasMore: Bool)? {
        var taken: [(key: Key, value: Result<Taken, any Error>)] = []
        var past: [Key] = []
        while try next() {
            let rowKey = key()
            if taken.count < limit {
                taken.append((rowKey, Result(catching: take)))
                continue
            }
            if let previous = past.last, previous.clock != rowKey.clock { break }
            past.append(rowKey)
        }
        let descending = newestFirst
        func precedes(_ a: Key, _ b: Key) -> Bool { descending ? a > b : a < b }
        taken.sort { precedes($0.key, $1.key) }
        // Index order keeps clocks in order, so only rows of the last taken clock can be out of place.
        if let last = taken.last?.key, past.contains(where: { precedes($0, last) }) { return nil }
        return (try taken.map { try $0.value.get() }, !past.isEmpty)
    }
}
