/// The single-record rows again with wrk as the load generator (`--load wrk`), at 1, 4 and 16
/// keep-alive connections: `POST /v1/ping`, then a new record per request, on one fresh instance.
enum WrkIngestMeasures {
    static func rows(_ run: BenchRun, wrk: WrkLoad) throws -> [BenchRow] {
        let instance = try run.instance("ingest-wrk")
        try instance.start()
        var rows: [BenchRow] = []
        for (round, connections) in [1, 4, 16].enumerated() {
            let firstIndex = (round + 1) * 1_000_000_000
            let label = "wrk, \(connections) connection\(connections == 1 ? "" : "s")"
            Progress.say("single-record ingest, \(label): \(wrk.seconds) s of pings, then \(wrk.seconds) s of records")
            let ping = try MeasuredLoad.around(instance) {
                try wrk.run(port: instance.port, path: "/v1/ping", connections: connections, firstIndex: firstIndex, scratch: run.root)
            }
            let ingest = try MeasuredLoad.around(instance) {
                try wrk.run(port: instance.port, path: "/v1/records", connections: connections, firstIndex: firstIndex, scratch: run.root)
            }
            let ratio = ingest.result.perSecond / ping.result.perSecond
            rows.append(BenchRow(
                "request overhead (POST /v1/ping), \(label)", value: ping.result.perSecond, unit: "requests/s",
                daemonPeakMB: ping.peakMB,
                notes: [ping.result.clientNote, ping.result.latencyNote, "same bodies as the ingest row"] + ping.memoryNotes))
            rows.append(BenchRow(
                "single-record ingest, \(label)", value: ingest.result.perSecond, unit: "records/s", baseline: ping.result.perSecond,
                budget: budget(connections: connections, rate: ingest.result.perSecond, ratio: ratio), daemonPeakMB: ingest.peakMB,
                notes: [ingest.result.clientNote, ingest.result.latencyNote, "\(ingest.result.requests) records, every one 201"]
                    + ingest.memoryNotes))
        }
        try instance.stop()
        return rows
    }

    /// Issue 15's targets: half the empty route's rate at 1 and at 16 connections, and 10 000
    /// records/s at 16.
    private static func budget(connections: Int, rate: Double, ratio: Double) -> Budget? {
        switch connections {
        case 1: .ratioAtLeast(0.5, ratio: ratio)
        case 16: Budget(text: "≥ 10 000 records/s and ≥ 50 % of baseline", met: rate >= 10_000 && ratio >= 0.5)
        default: nil
        }
    }
}
