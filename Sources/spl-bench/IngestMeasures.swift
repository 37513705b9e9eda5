import SyncropelStore

/// SPEC 12's ingest rows: the request-overhead baseline (`POST /v1/ping` with the same
/// bodies), single-record ingest with 1 and 4 clients, and batch ingest beside raw GRDB.
enum IngestMeasures {
    /// Rows 1–3 on a fresh instance: for each client count, ping then ingest over the
    /// same keep-alive connections with byte-identical bodies.
    static func singleRecord(_ run: BenchRun) throws -> [BenchRow] {
        let instance = try run.instance("ingest")
        try instance.start()
        var rows: [BenchRow] = []
        var firstIndex = 1
        for (clients, total, budget) in [(1, run.sizes.singleOneClient, 3000.0), (4, run.sizes.singleFourClients, 10_000.0)] {
            let load = SingleRecordLoad(clients: clients, total: total, firstIndex: firstIndex)
            firstIndex += total
            Progress.say("single-record ingest, \(load.clientsText): \(total) records")
            let (ping, ingest) = try load.run(on: instance)
            rows.append(BenchRow(
                "request overhead (POST /v1/ping), \(load.clientsText)", value: ping.load.perSecond, unit: "requests/s",
                daemonPeakMB: ping.peakMB, notes: [ping.load.clientNote, "same bodies and connections as the ingest row"] + ping.memoryNotes))
            rows.append(BenchRow(
                "single-record ingest, \(load.clientsText)", value: ingest.load.perSecond, unit: "records/s", baseline: ping.load.perSecond,
                budget: .atLeast(budget, "records/s", value: ingest.load.perSecond), daemonPeakMB: ingest.peakMB,
                notes: [ingest.load.clientNote, "\(total) records, every one 201"] + ingest.memoryNotes))
        }
        try instance.stop()
        return rows
    }

    /// Row 4 on a fresh instance with an empty store, and beside it raw inserts committed every
    /// 1000 rows; the daemon keeps running for the thread read, which uses the same instance.
    /// `rawInsertRate` is the one-transaction baseline, which `spl store copy` into a file is set beside.
    static func batch(_ run: BenchRun) throws -> (rows: [BenchRow], instance: ScratchInstance, rawInsertRate: Double) {
        let count = run.sizes.batchIngest
        let batchSize = run.sizes.batchSize
        let instance = try run.instance("batch")
        try instance.start()
        let batch = try batchLoad(run, into: instance)

        Progress.say("raw GRDB inserts of the same \(count) rows into the naive schema")
        let envelopes = batchEnvelopes(count)
        let raw = try RawInsertBaseline.recordsPerSecond(envelopes: envelopes, folder: run.root + "/raw-insert", schema: .naive)
        Progress.say("raw GRDB inserts of the same \(count) rows into the store's schema, \(batchSize) per transaction")
        let rawPerBatch = try RawInsertBaseline.recordsPerSecond(
            envelopes: envelopes, folder: run.root + "/raw-insert-per-batch", schema: .store, rowsPerTransaction: batchSize)
        let rate = Double(count) / batch.load.wallSeconds
        let ratio = rate / raw
        let budget = Budget(
            text: "≥ 40 000 records/s and ≥ 50 % of baseline", met: rate >= 40_000 && ratio >= 0.5)
        let row = BenchRow(
            "batch ingest (\(batchSize) per request)", value: rate, unit: "records/s", baseline: raw, budget: budget,
            daemonPeakMB: batch.peakMB,
            notes: [
                batch.load.clientNote, "\(count) records, one TCP connection",
                "baseline: raw GRDB inserts, one transaction, into the naive schema (version 1's, unique index of the whole id)",
            ]
                + batch.memoryNotes)
        let perBatchRow = BenchRow(
            "raw GRDB inserts, \(batchSize) rows per transaction", value: rawPerBatch, unit: "records/s",
            notes: [
                String(format: "batch ingest is %.0f %% of this", 100 * rate / rawPerBatch),
                "what SQLite alone does when it commits as often as batch ingest must, into the store's schema (version \(SQLiteRecordStore.schemaVersion))",
            ])
        return ([row, perBatchRow], instance, raw)
    }

    /// `sizes.batchIngest` records in requests of `sizes.batchSize`, over one connection into
    /// the running daemon of `instance`; every answer 201.
    static func batchLoad(_ run: BenchRun, into instance: ScratchInstance) throws -> MeasuredLoad {
        let count = run.sizes.batchIngest
        let batchSize = run.sizes.batchSize
        Progress.say("batch ingest into \(instance.name): \(count) records in requests of \(batchSize)")
        let requests = stride(from: 1, through: count, by: batchSize).map { first in
            BenchEnvelopes.batchRequest(first..<min(first + batchSize, count + 1), thread: BenchEnvelopes.spreadThread)
        }
        let connection = try instance.tcp()
        return try MeasuredLoad.measure(instance) {
            try LoadGenerator.run([requests], over: [connection], expectedStatus: 201, label: "POST /v1/records (batch)")
        }
    }

    /// The envelopes of `batchLoad`, one by one, for the raw-insert baselines.
    static func batchEnvelopes(_ count: Int) -> [String] {
        (1...count).map { BenchEnvelopes.envelope($0, thread: BenchEnvelopes.spreadThread($0)) }
    }
}
