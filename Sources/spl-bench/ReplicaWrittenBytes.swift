import Foundation
import GRDB

/// What shipping cost in bytes: the replicator's own count of what it wrote to the replica
/// (`/health` `replication[].bytes_written`: segments, snapshots, manifests and merges, as
/// stored) against the canonical bytes of the records it shipped.
enum ReplicaWrittenBytes {
    /// `bytes_written` of the running instance's first replica.
    static func written(_ instance: ScratchInstance) throws -> Int64 {
        let answer = try instance.tcp().exchange(HTTPLoadClient.request("GET", "/health"))
        let health = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        guard answer.status == 200, let replica = (health?["replication"] as? [[String: Any]])?.first,
            let bytes = (replica["bytes_written"] as? NSNumber)?.int64Value
        else {
            throw BenchError.badAnswer(request: "GET /health", detail: "no replication bytes_written in \(BenchError.excerpt(answer.bodyText))")
        }
        return bytes
    }

    /// The canonical bytes of every record of a stopped instance's store (what record ids hash).
    static func canonicalBytes(_ storeFile: String) throws -> Int64 {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: storeFile, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(sum(length(CAST(canonical AS BLOB))), 0) FROM records") ?? 0
        }
    }

    static func row(written: Int64, canonical: Int64, records: Int) -> BenchRow {
        let per100k = 100_000 / Double(records)
        return BenchRow(
            "bytes written to a file replica, per 100 000 records", value: Double(written) * per100k, unit: "bytes",
            baseline: Double(canonical) * per100k,
            notes: ["the replicator's count (/health bytes_written) while ingesting \(records) records",
                    "baseline: the records' canonical bytes", "no merge falls due in so short a run",
                    "Litestream: about 46× the record bytes"])
    }
}
