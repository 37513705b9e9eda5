import GRDB

/// The SQL of one thread page for a position: which rows, in which order, and how they make the
/// page (`ThreadPage`'s cursors). It asks for one row more than the page, which tells whether
/// more records lie in the direction of the read.
struct ThreadRead {
    let sql: String
    let arguments: StatementArguments
    let limit: Int
    /// A backward read: rows come newest first, and the page is them reversed.
    let newestFirst: Bool
    /// Read from a cursor: records lie on the side the cursor came from.
    let fromCursor: Bool

    init(thread: String, position: ThreadPosition, limit: Int, columns: String) {
        let select = "SELECT \(columns) FROM records WHERE thread = ?"
        let backward = "ORDER BY clock DESC, sequence DESC LIMIT ?"
        let forward = "ORDER BY clock, sequence LIMIT ?"
        switch position {
        case .newest:
            (sql, arguments, newestFirst, fromCursor) = ("\(select) \(backward)", [thread, limit + 1], true, false)
        case .sinceClock(let clock):
            (sql, arguments, newestFirst, fromCursor) = ("\(select) AND clock > ? \(forward)", [thread, clock, limit + 1], false, false)
        case .cursor(let cursor) where cursor.direction == .older:
            (sql, arguments, newestFirst, fromCursor) = (
                "\(select) AND (clock, sequence) < (?, ?) \(backward)", [thread, cursor.clock, cursor.sequence, limit + 1], true, true
            )
        case .cursor(let cursor):
            (sql, arguments, newestFirst, fromCursor) = (
                "\(select) AND (clock, sequence) > (?, ?) \(forward)", [thread, cursor.clock, cursor.sequence, limit + 1], false, true
            )
        }
        self.limit = limit
    }
}
