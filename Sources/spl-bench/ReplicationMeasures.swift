import Foundation

/// Issue 12's rows: single-record ingest with a file replica beside the same load on an
/// instance without one, in the same run; what the replicator wrote and the replica's size,
/// beside the records' bytes and the store file's. The restore row is `ReplicaRestoreMeasure`.
enum ReplicationMeasures {
    static func rows(_ run: BenchRun) throws -> [BenchRow] {
        let count = run.sizes.singleFourClients
        let plain = try run.instance("replica-none")
        let replicated = try run.instance("replica-file")
        let replicaFolder = replicated.folder + "/replica"
        try require(replicated.run(["init"]), "spl init")
        try require(replicated.run(["backup", "replica", "add", "bench", "file://" + replicaFolder]), "spl backup replica add")

        // Both daemons run throughout and take turns, three rounds each, the order swapped each
        // round: one pair of loads moved by ±10 % from run to run, more than the 5 % the row judges.
        let rounds = 3
        let perRound = count / rounds
        Progress.say("single-record ingest, 4 clients, \(perRound * rounds) records each: \(rounds) rounds without a replica and with a file replica, in turn")
        try plain.start()
        try replicated.start()
        var seconds = (without: 0.0, with: 0.0)
        var roundRatios: [Double] = []
        for round in 0..<rounds {
            let first = 1 + round * perRound
            var rates = (without: 0.0, with: 0.0)
            for withReplica in round.isMultiple(of: 2) ? [false, true] : [true, false] {
                if withReplica {
                    rates.with = try ingest(perRound, into: replicated, from: first)
                    // Shipped before the other load starts, so neither load pays for the other.
                    try waitForReplica(replicated, shipped: Int64(first + perRound))
                } else {
                    rates.without = try ingest(perRound, into: plain, from: first)
                }
            }
            seconds.without += Double(perRound) / rates.without
            seconds.with += Double(perRound) / rates.with
            roundRatios.append(rates.with / rates.without)
        }
        try plain.stop()
        let without = Double(perRound * rounds) / seconds.without
        let with = Double(perRound * rounds) / seconds.with
        let replicaWritten = try ReplicaWrittenBytes.written(replicated)
        try replicated.stop()
        let acknowledged = try acknowledgedIngestRow(run, count: run.sizes.afterReplicaIngest, baseline: without)
        let canonicalBytes = try ReplicaWrittenBytes.canonicalBytes(replicated.storeFile)

        let per100k = 100_000 / Double(perRound * rounds)
        let replicaBytes = Double(folderBytes(replicaFolder))
        let storeBytes = Double(try FileManager.default.attributesOfItem(atPath: replicated.storeFile)[.size] as? Int ?? 0)

        let ratio = with / without
        return [
            acknowledged,
            BenchRow(
                "single-record ingest, 4 clients, with a file replica", value: with, unit: "records/s",
                baseline: without, budget: .ratioAtLeast(0.95, ratio: ratio),
                notes: [
                    "baseline: the same load on an instance without a replica, this run, in turn with it",
                    "\(rounds) rounds of \(perRound) records, ratios " + roundRatios.map { String(format: "%.2f", $0) }.joined(separator: " · "),
                    "Litestream: 12 % slower",
                ]),
            ReplicaWrittenBytes.row(written: replicaWritten, canonical: canonicalBytes, records: perRound * rounds),
            BenchRow(
                "replica size, per 100 000 records", value: replicaBytes * per100k, unit: "bytes", baseline: storeBytes * per100k,
                notes: ["every object under the replica folder after the load", "baseline: the store file", "Litestream: 1.29× the store"]),
        ]
    }

    /// The same load with writes answered only once a file replica holds them (`ack = "after_replica"`).
    private static func acknowledgedIngestRow(_ run: BenchRun, count: Int, baseline: Double) throws -> BenchRow {
        let instance = try run.instance("replica-ack")
        try require(instance.run(["init"]), "spl init")
        try require(
            instance.run(["backup", "replica", "add", "bench", "file://" + instance.folder + "/replica", "--ack", "after_replica"]),
            "spl backup replica add --ack after_replica")
        Progress.say("single-record ingest, 4 clients, \(count) records, with ack=after_replica")
        try instance.start()
        let perSecond = try ingest(count, into: instance)
        try instance.stop()
        return BenchRow(
            "4-client ingest with ack=after_replica", value: perSecond, unit: "records/s", baseline: baseline,
            notes: [
                "every answer waits for its record's segment in a file replica (write, fsync, rename, fsync the folder)",
                "baseline: the same load on an instance without a replica, this run", "\(count) records",
            ])
    }

    /// Records per second of 4 clients of single-record ingest on a started `instance`, over
    /// keep-alive connections.
    /// Records `first...` get distinct ids and clocks, so rounds into one store add new records.
    static func ingest(_ count: Int, into instance: ScratchInstance, from first: Int = 1) throws -> Double {
        let bodies = (0..<4).map { client in
            stride(from: first + client, to: first + count, by: 4).map { index in
                HTTPLoadClient.request("POST", "/v1/records", json: Array(BenchEnvelopes.envelope(index, thread: "th_bench_\(client)").utf8))
            }
        }
        let connections = try (0..<4).map { _ in try instance.tcp() }
        return try LoadGenerator.run(bodies, over: connections, expectedStatus: 201, label: "POST /v1/records").perSecond
    }

    /// Polls /health until the replica has shipped `shipped` sequences with no lag (a minute at most).
    static func waitForReplica(_ instance: ScratchInstance, shipped: Int64) throws {
        let deadline = Date().addingTimeInterval(60)
        var last = ""
        while Date() < deadline {
            let answer = try instance.tcp().exchange(HTTPLoadClient.request("GET", "/health"))
            let health = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
            let replica = (health?["replication"] as? [[String: Any]])?.first
            last = replica.map { "\($0)" } ?? String(decoding: answer.body, as: UTF8.self)
            if let replica, (replica["shipped_sequence"] as? NSNumber)?.int64Value ?? 0 >= shipped,
                (replica["lag_records"] as? NSNumber)?.int64Value == 0
            {
                return
            }
            usleep(50_000)
        }
        throw BenchError.unexpectedOutput(command: "GET /health", detail: "the replica did not catch up within 60 s: \(last)")
    }

    static func folderBytes(_ folder: String) -> Int {
        let names = FileManager.default.subpaths(atPath: folder) ?? []
        return names.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + name))?[.size] as? Int ?? 0)
        }
    }

    @discardableResult
    static func require(_ result: ChildResult, _ command: String) throws -> ChildResult {
        guard result.status == 0 else {
            throw BenchError.commandFailed(command: command, status: result.status, output: result.stderr + result.stdout)
        }
        return result
    }
}
