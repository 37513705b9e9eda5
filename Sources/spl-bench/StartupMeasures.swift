/// SPEC 12's large stores: the bulk load that builds them, and cold start to ready with
/// the startup backup taken out.
enum StartupMeasures {
    /// One timed `spl serve --daemon`: wall seconds until ready, the new daemon's peak
    /// memory at ready, and its start-up log lines.
    struct Start {
        let seconds: Double
        let peakMB: Double?
        let log: StartupLog
    }

    /// The first start after new writes (takes the startup backup) and the second (finds it unchanged).
    struct StartPair {
        let first: Start
        let second: Start

        /// The first start without its startup backup: a restart after the writes, as an operator meets it.
        func firstWithoutBackup() throws -> Double {
            first.seconds - (try first.log.backupWritten().milliseconds) / 1000
        }
    }

    /// Builds a store of `count` records in `instance` (started here, left running) by batch
    /// ingest: one batch in ten over the unix socket (signed by the daemon), the others over
    /// TCP, spread over 100 threads like scripts/bench-backup.
    static func bulkLoad(_ run: BenchRun, instance: ScratchInstance, count: Int) throws -> BenchRow {
        let batchSize = run.sizes.batchSize
        Progress.say("building a \(count)-record store")
        try instance.start()
        let tcp = try instance.tcp()
        let unix = try instance.unixSocket()
        let memory = PeakMemory.begin(try instance.requirePID())
        let cpuBefore = Stopwatch.processCPUSeconds()
        let started = Stopwatch.now()
        var lastReport = started
        for (batch, first) in stride(from: 1, through: count, by: batchSize).enumerated() {
            let request = BenchEnvelopes.batchRequest(first..<min(first + batchSize, count + 1), thread: BenchEnvelopes.spreadThread)
            let connection = batch % 10 == 0 ? unix : tcp
            let answer = try connection.exchange(request)
            guard answer.status == 201 else {
                throw BenchError.requestRefused(request: "POST /v1/records (batch \(batch) via \(connection.address))", status: answer.status, body: answer.bodyText)
            }
            let now = Stopwatch.now()
            if now - lastReport >= 2 {
                Progress.say("building a \(count)-record store: \(first + batchSize - 1) …")
                lastReport = now
            }
        }
        let wall = Stopwatch.now() - started
        let cpu = Stopwatch.processCPUSeconds() - cpuBefore
        return BenchRow(
            "bulk load, \(BenchSizes.short(count)) records", value: Double(count) / wall, unit: "records/s",
            daemonPeakMB: memory.megabytes(),
            notes: [String(format: "%.1f s", wall), "batches of \(batchSize), 1 in 10 via unix socket (signed)",
                    String(format: "load generator %.2f cores (request bodies built inside the clock)", cpu / wall),
                    "reference: 12 000 records < 2 min"] + (memory.note.map { [$0] } ?? []))
    }

    /// Starts the stopped `instance` twice in a row, with a clean stop between; leaves it running.
    static func startTwice(_ instance: ScratchInstance) throws -> StartPair {
        let first = try timedStart(instance)
        try instance.stop()
        let second = try timedStart(instance)
        return StartPair(first: first, second: second)
    }

    private static func timedStart(_ instance: ScratchInstance) throws -> Start {
        let offset = instance.logOffset()
        let result = try instance.start()
        let peak = PeakMemory.highWaterMark(try instance.requirePID())
        return Start(
            seconds: result.wallSeconds, peakMB: peak,
            log: StartupLog(lines: instance.logLines(since: offset), logPath: instance.logFile))
    }

    /// The cold-start rows: the medium store's first start after its writes, backup taken out,
    /// and the large store's beside it.
    static func coldStartRows(medium: (count: Int, pair: StartPair), large: (count: Int, pair: StartPair)) throws -> [BenchRow] {
        let mediumSeconds = try medium.pair.firstWithoutBackup()
        let largeSeconds = try large.pair.firstWithoutBackup()
        let ratio = largeSeconds / mediumSeconds
        return [
            try row(medium.count, medium.pair),
            try row(
                large.count, large.pair, baseline: mediumSeconds,
                budget: Budget(text: "≤ 2 s and ≤ 2× baseline", met: largeSeconds <= 2 && ratio <= 2)),
        ]
    }

    /// " (check 12 ms, fold 340 ms)": the store check and derived-state fold of one start.
    private static func phases(_ log: StartupLog) -> String {
        let parts = [("check", "store checked: "), ("fold", "derived state ready: ")].compactMap { name, prefix in
            log.milliseconds(prefix).map { "\(name) \(Int($0.rounded())) ms" }
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    private static func row(_ count: Int, _ pair: StartPair, baseline: Double? = nil, budget: Budget? = nil) throws -> BenchRow {
        let backup = try pair.first.log.backupWritten()
        let firstWithoutBackup = try pair.firstWithoutBackup()
        var notes = [
            String(format: "value: first start after the writes %.2f s − backup %.0f ms = %.2f s", pair.first.seconds, backup.milliseconds, firstWithoutBackup)
                + phases(pair.first.log),
            String(format: "second start %.2f s (backup unchanged)", pair.second.seconds) + phases(pair.second.log),
        ]
        if let unchanged = pair.second.log.milliseconds("startup backup unchanged: ") {
            notes.append(String(format: "unchanged-backup check %.0f ms", unchanged))
        }
        if let note = backup.note { notes.append(note) }
        notes.append("peak memory at ready")
        return BenchRow(
            "cold start, \(BenchSizes.short(count)) records (backup excluded)", value: firstWithoutBackup, unit: "s",
            baseline: baseline, budget: budget, daemonPeakMB: pair.first.peakMB, notes: notes)
    }
}
