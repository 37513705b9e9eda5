import PostgresNIO
import SyncropelKit

extension PostgresRecordStore {
    /// Answers a structured query in one repeatable-read transaction, so the page, the count
    /// and the plan all describe the same state of the log.
    public func query(_ query: RecordQuery) async throws -> RecordQueryResult {
        let url = url
        let filter = RecordFilterPostgres(query.filter)
        let order = RecordFilterPostgres(sort: query.sort, after: filter.binds)
        let limit = Self.pageLimit(query.limit)
        var binds = order.binds
        // One row more than the page tells whether more records match.
        binds.append(Int64(limit + 1))
        binds.append(Int64(max(query.offset, 0)))
        let select = """
            SELECT \(StoredRecordRow.columns) FROM records WHERE \(filter.sql) ORDER BY \(order.sql) \
            LIMIT $\(binds.count - 1) OFFSET $\(binds.count)
            """
        return try await reads.withTransaction("ISOLATION LEVEL REPEATABLE READ, READ ONLY") { connection in
            let rows = try await Self.fetchRecords(PostgresQuery(unsafeSQL: select, binds: binds), connection, url: url)
            var matchedTotal: Int?
            if query.countingMatches {
                let count = PostgresQuery(unsafeSQL: "SELECT count(*) FROM records WHERE \(filter.sql)", binds: filter.binds)
                matchedTotal = Int(try await connection.rows(count)[0].decode(Int64.self))
            }
            var plan: RecordQueryPlan?
            if query.explaining {
                let paths = query.filter.paths + query.sort.map(\.path).filter { !query.filter.paths.contains($0) }
                let explain = PostgresQuery(unsafeSQL: "EXPLAIN " + select, binds: binds)
                let steps = try await connection.rows(explain).map {
                    try $0.decode(String.self)
                }
                plan = RecordQueryPlan(
                    columnFields: paths.filter(\.isColumn).map(\.description),
                    jsonFields: paths.filter { !$0.isColumn }.map(\.description), steps: steps)
            }
            return RecordQueryResult(
                records: Array(rows.prefix(limit)), hasMore: rows.count > limit, matchedTotal: matchedTotal, plan: plan)
        }
    }
}
