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
            Progress.say("single-record ingest, \(clients) client\(clients == 1 ? "" : "s"): \(total) records")
            let bodies = (0..<clients).map { client in
                stride(from: firstIndex + client, to: firstIndex + total, by: clients).map { index in
                    Array(BenchEnvelopes.envelope(index, thread: "th_bench_\(client)").utf8)
                }
            }
            firstIndex += total
            let connections = try (0..<clients).map { _ in try instance.tcp() }
            let pings = bodies.map { $0.map { HTTPLoadClient.request("POST", "/v1/ping", json: $0) } }
            let ingests = bodies.map { $0.map { HTTPLoadClient.request("POST", "/v1/records", json: $0) } }
            let clientsText = "\(clients) client\(clients == 1 ? "" : "s")"

            var memory = PeakMemory.begin(try instance.requirePID())
            let ping = try LoadGenerator.run(pings, over: connections, expectedStatus: 204, label: "POST /v1/ping")
            rows.append(BenchRow(
                "request overhead (POST /v1/ping), \(clientsText)", value: ping.perSecond, unit: "requests/s",
                daemonPeakMB: memory.megabytes(), notes: [ping.clientNote, "same bodies and connections as the ingest row"] + (memory.note.map { [$0] } ?? [])))

            memory = PeakMemory.begin(try instance.requirePID())
            let ingest = try LoadGenerator.run(ingests, over: connections, expectedStatus: 201, label: "POST /v1/records")
            rows.append(BenchRow(
                "single-record ingest, \(clientsText)", value: ingest.perSecond, unit: "records/s", baseline: ping.perSecond,
                budget: .atLeast(budget, "records/s", value: ingest.perSecond), daemonPeakMB: memory.megabytes(),
                notes: [ingest.clientNote, "\(total) records, every one 201"] + (memory.note.map { [$0] } ?? [])))
        }
        try instance.stop()
        return rows
    }

    /// Row 4 on a fresh instance with an empty store, and beside it raw inserts committed every
    /// 1000 rows; the daemon keeps running for the thread read, which uses the same instance.
    static func batch(_ run: BenchRun) throws -> (rows: [BenchRow], instance: ScratchInstance) {
        let count = run.sizes.batchIngest
        let batchSize = run.sizes.batchSize
        let instance = try run.instance("batch")
        try instance.start()
        Progress.say("batch ingest: \(count) records in requests of \(batchSize)")
        let requests = stride(from: 1, through: count, by: batchSize).map { first in
            BenchEnvelopes.batchRequest(first..<min(first + batchSize, count + 1), thread: BenchEnvelopes.spreadThread)
        }
        let connection = try instance.tcp()
        let memory = PeakMemory.begin(try instance.requirePID())
        let load = try LoadGenerator.run([requests], over: [connection], expectedStatus: 201, label: "POST /v1/records (batch)")
        let peak = memory.megabytes()

        Progress.say("raw GRDB inserts of the same \(count) rows")
        let envelopes = (1...count).map { BenchEnvelopes.envelope($0, thread: BenchEnvelopes.spreadThread($0)) }
        let raw = try RawInsertBaseline.recordsPerSecond(envelopes: envelopes, folder: run.root + "/raw-insert")
        Progress.say("raw GRDB inserts of the same \(count) rows, \(batchSize) per transaction")
        let rawPerBatch = try RawInsertBaseline.recordsPerSecond(
            envelopes: envelopes, folder: run.root + "/raw-insert-per-batch", rowsPerTransaction: batchSize)
        let rate = Double(count) / load.wallSeconds
        let ratio = rate / raw
        let budget = Budget(
            text: "≥ 40 000 records/s and ≥ 50 % of baseline", met: rate >= 40_000 && ratio >= 0.5)
        let row = BenchRow(
            "batch ingest (\(batchSize) per request)", value: rate, unit: "records/s", baseline: raw, budget: budget,
            daemonPeakMB: peak,
            notes: [load.clientNote, "\(count) records, one TCP connection", "baseline: raw GRDB inserts, one transaction"]
                + (memory.note.map { [$0] } ?? []))
        let perBatchRow = BenchRow(
            "raw GRDB inserts, \(batchSize) rows per transaction", value: rawPerBatch, unit: "records/s",
            notes: [
                String(format: "batch ingest is %.0f %% of this", 100 * rate / rawPerBatch),
                "what SQLite alone does when it commits as often as batch ingest must",
            ])
        return ([row, perBatchRow], instance)
    }
}
