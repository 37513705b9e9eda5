/// Issue 14's ingest rows on a PostgreSQL store: single-record ingest with 1 and 4 clients and
/// batch ingest, with the same request bodies as the SQLite rows, each beside the benchmark's
/// own inserts of the same rows into the same schema (`PostgresRawInserts`). Each daemon gets
/// a database of its own on the `--postgres-url` server, and so does each baseline.
enum PostgresMeasures {
    /// For each client count, ping then ingest over the same connections (as the SQLite rows),
    /// then the same rows as single-row INSERTs over as many connections of the benchmark's own.
    static func singleRecord(_ run: BenchRun, server: ScratchPostgres) throws -> [BenchRow] {
        let instance = try run.instance("postgres-ingest", storeURL: try server.createDatabase("ingest"))
        try instance.start()
        var rows: [BenchRow] = []
        var firstIndex = 1
        for (clients, total) in [(1, run.sizes.postgresSingleOneClient), (4, run.sizes.postgresSingleFourClients)] {
            let load = SingleRecordLoad(clients: clients, total: total, firstIndex: firstIndex)
            firstIndex += total
            Progress.say("single-record ingest into PostgreSQL, \(load.clientsText): \(total) records")
            let (ping, ingest) = try load.run(on: instance)
            let connectionsText = "\(clients) connection\(clients == 1 ? "" : "s")"
            Progress.say("raw single-row inserts of the same \(total) rows into PostgreSQL, \(connectionsText)")
            let raw = try PostgresRawInserts.singleRows(
                try load.envelopes.map(BaselineRecord.parse), server: server,
                database: try server.createStoreDatabase("raw_single_\(clients)"))
            let rate = ingest.load.perSecond
            rows.append(BenchRow(
                "single-record ingest into PostgreSQL, \(load.clientsText)", value: rate, unit: "records/s", baseline: raw,
                daemonPeakMB: ingest.peakMB,
                notes: [
                    "baseline: the same rows as single-row INSERTs by spl-bench, one transaction each, \(connectionsText)",
                    "POST /v1/ping over the same connections \(BenchTable.number(ping.load.perSecond)) requests/s"
                        + String(format: " (ingest %.2f× that)", rate / ping.load.perSecond),
                    ingest.load.clientNote, "\(total) records, every one 201",
                ] + ingest.memoryNotes))
        }
        try instance.stop()
        return rows
    }

    /// Batch ingest into an empty PostgreSQL store, beside multi-row inserts of the same rows in
    /// one transaction; the daemon keeps running for the thread read and the two-daemon rows.
    /// `rawInsertRate` is that baseline, which `spl store copy` into PostgreSQL is set beside.
    static func batch(_ run: BenchRun, server: ScratchPostgres) throws -> (row: BenchRow, instance: ScratchInstance, rawInsertRate: Double) {
        let count = run.sizes.batchIngest
        let batchSize = run.sizes.batchSize
        let instance = try run.instance("postgres-batch", storeURL: try server.createDatabase("batch"))
        try instance.start()
        let batch = try IngestMeasures.batchLoad(run, into: instance)

        Progress.say("raw multi-row inserts of the same \(count) rows into PostgreSQL, one transaction")
        let raw = try PostgresRawInserts.batch(
            try BaselineRecord.parse(IngestMeasures.batchEnvelopes(count)), chunk: batchSize, server: server,
            database: try server.createStoreDatabase("raw_batch"))
        let rate = Double(count) / batch.load.wallSeconds
        let row = BenchRow(
            "batch ingest into PostgreSQL (\(batchSize) per request)", value: rate, unit: "records/s", baseline: raw,
            daemonPeakMB: batch.peakMB,
            notes: [
                batch.load.clientNote, "\(count) records, one TCP connection",
                "baseline: the same rows inserted by spl-bench, \(batchSize) to an INSERT … SELECT FROM unnest(…), one transaction",
            ] + batch.memoryNotes)
        return (row, instance, raw)
    }
}
