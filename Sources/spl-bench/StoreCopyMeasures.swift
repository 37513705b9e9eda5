import GRDB

/// `spl store copy` between the backends (issue 14): a SQLite store the run built copied into
/// an empty PostgreSQL database, then from there into a new file, each timed as the child
/// process, beside the raw insert rate of the destination's backend. The file copied back
/// must hold exactly the source's records, or the run fails.
enum StoreCopyMeasures {
    /// The store of `source` (stopped) there and back; `sqliteRawRate` and `postgresRawRate` are
    /// the one-transaction raw inserts of the batch rows.
    static func rows(
        _ run: BenchRun, server: ScratchPostgres, source: ScratchInstance, sqliteRawRate: Double, postgresRawRate: Double
    ) throws -> [BenchRow] {
        let from = source.storeFile
        let count = try recordCount(from)
        let database = try server.createDatabase("copy")
        let back = run.root + "/copy-back.db"
        Progress.say("spl store copy of \(count) records: \(from) → \(database)")
        let into = try source.run(["store", "copy", "--from", from, "--to", database], timeout: 3600)
        Progress.say("spl store copy of \(count) records: \(database) → \(back)")
        let out = try source.run(["store", "copy", "--from", database, "--to", back], timeout: 3600)
        Progress.say("comparing \(back) with \(from)")
        try requireSameRecords(back, as: from, count: count)
        return [
            row("SQLite → PostgreSQL", count: count, seconds: into.wallSeconds, baseline: postgresRawRate,
                notes: ["baseline: raw multi-row inserts into PostgreSQL, one transaction (the batch row's)"]),
            row("PostgreSQL → SQLite", count: count, seconds: out.wallSeconds, baseline: sqliteRawRate,
                notes: [
                    "baseline: raw GRDB inserts, one transaction (the batch row's)",
                    "the copy back holds every record of the source, byte for byte",
                ]),
        ]
    }

    private static func row(_ direction: String, count: Int, seconds: Double, baseline: Double, notes: [String]) -> BenchRow {
        BenchRow(
            "spl store copy, \(direction)", value: Double(count) / seconds, unit: "records/s", baseline: baseline,
            notes: [
                "\(count) records: the SQLite batch-ingest store with its read thread",
                String(format: "%.1f s, the process's wall time", seconds),
            ] + notes)
    }

    private static func recordCount(_ path: String) throws -> Int {
        try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0 }
    }

    /// Every record of `original` in `copy` with the same sequence, id, canonical bytes,
    /// signature and `created_at`, and nothing else.
    private static func requireSameRecords(_ copy: String, as original: String, count: Int) throws {
        let queue = try DatabaseQueue(path: original)
        let (copied, matching) = try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS copy", arguments: [copy])
            defer { try? db.execute(sql: "DETACH DATABASE copy") }
            let copied = try Int.fetchOne(db, sql: "SELECT count(*) FROM copy.records") ?? 0
            let matching = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM main.records a JOIN copy.records b ON a.sequence = b.sequence
                WHERE a.id = b.id AND a.canonical = b.canonical AND a.sig IS b.sig AND a.signer IS b.signer
                    AND a.created_at = b.created_at
                """) ?? 0
            return (copied, matching)
        }
        guard copied == count, matching == count else {
            throw BenchError.copyDiffers(
                source: original, copy: copy,
                detail: "\(count) records in the source, \(copied) in the copy, \(matching) the same in both")
        }
    }
}
