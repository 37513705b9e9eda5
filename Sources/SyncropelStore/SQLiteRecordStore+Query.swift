import GRDB
import SyncropelKit

extension SQLiteRecordStore {
    /// Answers a structured query in one read transaction, so the page, the count
    /// and the plan all describe the same state of the log.
    public func query(_ query: RecordQuery) async throws -> RecordQueryResult {
        let path = path
        let filter = RecordFilterSQL(query.filter)
        let order = RecordFilterSQL(sort: query.sort)
        let limit = min(max(query.limit, 1), 100_000)
        let select = """
            SELECT \(StoredRecordRow.columns) FROM records WHERE \(filter.sql) ORDER BY \(order.sql) LIMIT ? OFFSET ?
            """
        // One row more than the page tells whether more records match.
        let arguments = filter.arguments + order.arguments + [limit + 1, max(query.offset, 0)]
        return try await read { db in
            let rows = try Row.fetchAll(db, sql: select, arguments: arguments)
            let records = try rows.prefix(limit).map { try StoredRecordRow.decode($0, path: path) }
            let matchedTotal = query.countingMatches
                ? try Int.fetchOne(db, sql: "SELECT count(*) FROM records WHERE \(filter.sql)", arguments: filter.arguments)
                : nil
            var plan: RecordQueryPlan?
            if query.explaining {
                let paths = query.filter.paths + query.sort.map(\.path).filter { !query.filter.paths.contains($0) }
                let steps = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + select, arguments: arguments).map { row -> String in
                    row["detail"]
                }
                plan = RecordQueryPlan(
                    columnFields: paths.filter(\.isColumn).map(\.description),
                    jsonFields: paths.filter { !$0.isColumn }.map(\.description), steps: steps)
            }
            return RecordQueryResult(records: records, hasMore: rows.count > limit, matchedTotal: matchedTotal, plan: plan)
        }
    }
}
