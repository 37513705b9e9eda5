import Foundation

/// Issue 12's anchor, measured in the same run: Litestream 0.5.17 (`scripts/bench-litestream`,
/// from PyPI) beside a daemon's hub.db, replicating to a file replica.
///
/// Two rows: 4-client single-record ingest with Litestream running beside the daemon, against
/// the same load on an instance without it; and, for one store replicated by both at once
/// during the same load, the size of Litestream's replica against ours. Where Litestream cannot
/// be installed, or in `--quick`, the rows say "not measured" and why: never a number.
enum LitestreamMeasures {
    static func rows(_ run: BenchRun) throws -> [BenchRow] {
        guard run.sizes.measuresLitestream else { return notMeasured("skipped in --quick (add --litestream): it installs Litestream from PyPI") }
        guard let script = script(besides: run.spl.originalPath) else {
            return notMeasured("no scripts/bench-litestream in a package folder above \(run.spl.originalPath)")
        }
        let count = run.sizes.singleFourClients
        let plain = try run.instance("litestream-none")
        let beside = try run.instance("litestream-beside")
        let both = try run.instance("litestream-and-ours")
        let ourReplica = both.folder + "/replica"
        try both.run(["init"])
        try both.run(["backup", "replica", "add", "bench", "file://" + ourReplica])

        Progress.say("Litestream: installing and starting it beside a daemon")
        try beside.start()
        let litestreamReplica = beside.folder + "/litestream-replica"
        let started = try ChildProcess(executable: script, arguments: ["start", beside.storeFile, litestreamReplica], environment: ScratchEnvironment.base())
            .run(scratch: run.root, timeout: 600)
        if started.status == 3 {
            try beside.stop()
            return notMeasured(started.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard started.status == 0 else {
            throw BenchError.commandFailed(command: "\(script) start", status: started.status, output: started.stderr + started.stdout)
        }
        Progress.say("single-record ingest, 4 clients, \(count) records: with Litestream beside the daemon, then without")
        let withLitestream = try ReplicationMeasures.ingest(count, into: beside)
        let litestreamCPU = try stop(script, litestreamReplica, root: run.root)
        try beside.stop()
        try plain.start()
        let without = try ReplicationMeasures.ingest(count, into: plain)
        try plain.stop()

        Progress.say("one store replicated by Litestream and by our file replica at once: \(count) records")
        try both.start()
        let bothLitestream = both.folder + "/litestream-replica"
        try ChildProcess(executable: script, arguments: ["start", both.storeFile, bothLitestream], environment: ScratchEnvironment.base())
            .runChecked(scratch: run.root, timeout: 600)
        _ = try ReplicationMeasures.ingest(count, into: both)
        try ReplicationMeasures.waitForReplica(both, shipped: Int64(count))
        try both.stop()
        // Litestream ships what the daemon's last checkpoint left before it stops.
        usleep(3_000_000)
        _ = try stop(script, bothLitestream, root: run.root)
        let ours = Double(ReplicationMeasures.folderBytes(ourReplica))
        let theirs = Double(ReplicationMeasures.folderBytes(bothLitestream))
        let store = Double(try FileManager.default.attributesOfItem(atPath: both.storeFile)[.size] as? Int ?? 0)

        let ratio = withLitestream / without
        return [
            BenchRow(
                "single-record ingest, 4 clients, with Litestream beside the daemon", value: withLitestream, unit: "records/s",
                baseline: without, ratio: ratio,
                notes: ["baseline: the same load without it, this run", "\(count) records",
                        String(format: "Litestream used %.1f CPU s (%.0f %% of a core)", litestreamCPU, 100 * litestreamCPU * withLitestream / Double(count)),
                        "ours: see 'with a file replica'"]),
            BenchRow(
                "Litestream's replica of one store, against ours", value: theirs, unit: "bytes", baseline: ours,
                notes: ["the same \(count)-record store replicated by both during the load", "baseline: our file replica",
                        "store file \(Int(store)) bytes", "Litestream before its compaction (5 min and later)"]),
        ]
    }

    /// `<package>/scripts/bench-litestream` for a `spl` under `<package>/.build/…`.
    private static func script(besides spl: String) -> String? {
        var folder = URL(fileURLWithPath: spl).deletingLastPathComponent()
        while folder.path != "/" {
            if folder.lastPathComponent == ".build" {
                let script = folder.deletingLastPathComponent().appendingPathComponent("scripts/bench-litestream").path
                return FileManager.default.isExecutableFile(atPath: script) ? script : nil
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// Stops Litestream; the CPU seconds it used.
    private static func stop(_ script: String, _ replica: String, root: String) throws -> Double {
        let stopped = try ChildProcess(executable: script, arguments: ["stop", replica], environment: ScratchEnvironment.base())
            .runChecked(scratch: root, timeout: 60)
        return Double(stopped.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    private static func notMeasured(_ reason: String) -> [BenchRow] {
        [
            BenchRow("single-record ingest, 4 clients, with Litestream beside the daemon", value: .nan, unit: "records/s", notes: ["not measured: \(reason)"]),
            BenchRow("Litestream's replica of one store, against ours", value: .nan, unit: "bytes", notes: ["not measured: \(reason)"]),
        ]
    }
}
