import ArgumentParser
import Foundation

/// `spl-bench`: every SPEC 12 budget measured against scratch instances of the `spl` built
/// beside it, each beside a same-run baseline, printed as one markdown table.
@main
struct SPLBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spl-bench",
        abstract: "Measure spl against the performance budgets of SPEC 12.",
        discussion: """
            Creates its own scratch homes, HOME folders and daemons (never the real ones), runs \
            every measure, prints one GitHub markdown table on stdout and progress on stderr, \
            then stops every daemon it started and removes the scratch folder. Exits 0 when \
            every measure ran, even if a budget was missed (the verdict column says so).
            """)

    @Flag(help: "Small sizes: the whole run takes a few minutes, even with a debug spl.")
    var quick = false

    @Option(help: ArgumentHelp("The spl binary to measure (default: the spl beside spl-bench).", valueName: "path"))
    var spl: String?

    @Flag(help: "Keep the scratch folder (homes, logs, stores, backups) and print its path.")
    var keep = false

    @Option(help: ArgumentHelp("Use consecutive TCP ports from this one instead of free ports chosen by the kernel.", valueName: "port"))
    var portBase: Int?

    @Option(help: ArgumentHelp("Also write the rows as JSON to this file.", valueName: "file"))
    var json: String?

    @Flag(help: "With --quick: measure Litestream too (scripts/bench-litestream installs it from PyPI); a full run always does.")
    var litestream = false

    @Option(help: ArgumentHelp(
        "Also measure PostgreSQL stores on this server: postgresql://user@host:port/database, password from PGPASSWORD. "
            + "Scratch databases are created through this database and dropped at the end (kept with --keep).",
        valueName: "url"))
    var postgresURL: String?

    @Option(help: ArgumentHelp(
        "The load generator of the single-record rows: spl-bench's own, or also wrk (on PATH) at 1, 4 and 16 connections.",
        valueName: "spl-bench|wrk"))
    var load: LoadChoice = .splBench

    enum LoadChoice: String, ExpressibleByArgument {
        case splBench = "spl-bench"
        case wrk
    }

    func run() throws {
        let benchStarted = Stopwatch.now()
        let date = Date()
        let root = makeScratchRoot()
        let spl: SPLBinary
        do {
            spl = try SPLBinary.prepare(self.spl ?? SPLBinary.besideBenchmark(), into: root)
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            Self.fail(error)
        }
        let wrk: WrkLoad?
        if load == .wrk {
            guard let executable = WrkLoad.find() else {
                try? FileManager.default.removeItem(atPath: root)
                Self.fail(BenchError.wrkMissing)
            }
            wrk = WrkLoad(executable: executable, seconds: quick ? 1 : 10)
        } else {
            wrk = nil
        }
        var sizes = quick ? BenchSizes.quick : .full
        if litestream { sizes.measuresLitestream = true }
        let run = BenchRun(sizes: sizes, root: root, spl: spl, keep: keep, portBase: portBase)
        InterruptHandler.install(run)
        // Checked before the SQLite rows, so a wrong URL or password fails in a second, not minutes.
        let postgres: ScratchPostgres?
        do {
            postgres = try postgresURL.map { try ScratchPostgres(url: $0, environment: ProcessInfo.processInfo.environment) }
            try postgres?.requireReachable()
        } catch {
            run.cleanUp()
            Self.fail(BenchError.inMeasure("PostgreSQL server", underlying: error))
        }
        if let postgres { run.removeAtCleanUp { postgres.dropDatabases() } }
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        let header = [
            "spl-bench\(quick ? " --quick" : ""), \(date.formatted(.iso8601))",
            "spl: \(spl.originalPath) — \(spl.version) — \(spl.build) build",
            "cores: \(cores)",
        ] + (postgres.map { ["PostgreSQL: \($0.admin)"] } ?? [])
        header.forEach(Progress.say)
        let rows: [BenchRow]
        do {
            rows = try measure(run, wrk: wrk, postgres: postgres)
        } catch {
            run.cleanUp()
            Self.fail(error)
        }
        run.cleanUp()
        let wall = Stopwatch.now() - benchStarted
        print(header.joined(separator: "  \n"))
        print()
        print(BenchTable.markdown(rows))
        print()
        print(String(format: "total wall time: %.1f s", wall))
        if let json {
            try writeJSON(rows, header: header, wall: wall, to: json)
        }
    }

    /// The measures in SPEC 12's order; each error names the measure it came from.
    private func measure(_ run: BenchRun, wrk: WrkLoad?, postgres: ScratchPostgres?) throws -> [BenchRow] {
        let sizes = run.sizes
        var rows = try step("single-record ingest") { try IngestMeasures.singleRecord(run) }
        if let wrk { rows += try step("single-record ingest with wrk") { try WrkIngestMeasures.rows(run, wrk: wrk) } }
        let batch = try step("batch ingest") { try IngestMeasures.batch(run) }
        rows += batch.rows
        rows.append(try step("thread read") { try ReadMeasures.threadRead(run, instance: batch.instance) })
        rows.append(try step("spl know round trip") { try CommandMeasures.know(run, instance: batch.instance) })
        try step("stopping the batch daemon") { try batch.instance.stop() }

        let medium = try run.instance("store-\(BenchSizes.short(sizes.mediumStore))")
        let large = try run.instance("store-\(BenchSizes.short(sizes.largeStore))")
        rows.append(try step("bulk load") { try StartupMeasures.bulkLoad(run, instance: medium, count: sizes.mediumStore) })
        rows.append(try step("bulk load") { try StartupMeasures.bulkLoad(run, instance: large, count: sizes.largeStore) })

        let mediumPair = try step("cold start, \(BenchSizes.short(sizes.mediumStore)) records") {
            try medium.stop()
            Progress.say("cold start of the \(sizes.mediumStore)-record store, twice")
            let pair = try StartupMeasures.startTwice(medium)
            try medium.stop()
            return pair
        }
        let (copy, largePair) = try step("cold start, \(BenchSizes.short(sizes.largeStore)) records") {
            try large.stop()
            let copy = try BackupMeasures.copyBaseline(run, instance: large)
            Progress.say("cold start of the \(sizes.largeStore)-record store, twice")
            return (copy, try StartupMeasures.startTwice(large))
        }
        rows += try step("cold start") {
            try StartupMeasures.coldStartRows(
                medium: (sizes.mediumStore, mediumPair), large: (sizes.largeStore, largePair))
        }
        rows.append(try step("startup backup") {
            try BackupMeasures.startupBackup(largePair.first, count: sizes.largeStore, copy: copy)
        })
        let backup = try step("spl backup now") {
            try BackupMeasures.backupNow(run, instance: large, count: sizes.largeStore)
        }
        rows.append(backup.row)
        try step("stopping the large daemon") { try large.stop() }
        rows += try step("spl backup verify") {
            try BackupMeasures.verify(run, path: backup.path, instance: large, count: sizes.largeStore)
        }
        rows.append(try step("spl drill") { try CommandMeasures.drill(run) })
        rows += try step("replication") { try ReplicationMeasures.rows(run) }
        rows.append(try step("restore from a replica") { try ReplicaRestoreMeasure.row(run) })
        rows += try step("replica objects per hour") { try ReplicaObjectsPerHour.rows(run) }
        rows += try step("Litestream") { try LitestreamMeasures.rows(run) }
        rows += try step("probes") { try ProbeMeasures.rows(run) }
        if let postgres {
            rows += try measurePostgres(run, server: postgres, sqliteBatch: (batch.instance, batch.rawInsertRate))
        }
        return rows
    }

    /// Issue 14's rows on the `--postgres-url` server, after the SQLite rows; the SQLite batch
    /// store (stopped by then) is what `spl store copy` moves there and back.
    private func measurePostgres(
        _ run: BenchRun, server: ScratchPostgres, sqliteBatch: (instance: ScratchInstance, rawInsertRate: Double)
    ) throws -> [BenchRow] {
        var rows = try step("single-record ingest into PostgreSQL") { try PostgresMeasures.singleRecord(run, server: server) }
        let batch = try step("batch ingest into PostgreSQL") { try PostgresMeasures.batch(run, server: server) }
        rows.append(batch.row)
        rows.append(try step("thread read on PostgreSQL") {
            try ReadMeasures.threadRead(run, instance: batch.instance, store: "on PostgreSQL")
        })
        let standby = try step("standby daemon") { try PostgresServingMeasures.standby(run, beside: batch.instance) }
        rows += try step("reads with one and two daemons") {
            try PostgresServingMeasures.reads(run, active: batch.instance, standby: standby)
        }
        rows.append(try step("standby takeover") {
            try PostgresServingMeasures.takeover(run, active: batch.instance, standby: standby)
        })
        rows += try step("spl store copy") {
            try StoreCopyMeasures.rows(
                run, server: server, source: sqliteBatch.instance, sqliteRawRate: sqliteBatch.rawInsertRate,
                postgresRawRate: batch.rawInsertRate)
        }
        return rows
    }

    /// The one-line error of a run that could not finish, and a non-zero exit.
    private static func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("spl-bench: \(error)\n".utf8))
        Foundation.exit(1)
    }

    private func step<T>(_ measure: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw BenchError.inMeasure(measure, underlying: error)
        }
    }

    private func makeScratchRoot() -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/spl-bench-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            Self.fail(BenchError.fileFailed(path: FileManager.default.temporaryDirectory.path, detail: "cannot create a scratch folder"))
        }
        return String(cString: made)
    }

    private func writeJSON(_ rows: [BenchRow], header: [String], wall: Double, to path: String) throws {
        let object: [String: Any] = ["header": header, "rows": BenchTable.jsonObject(rows), "wall_seconds": wall]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            Self.fail(BenchError.fileFailed(path: path, detail: "cannot write the JSON rows: \(error.localizedDescription)"))
        }
    }
}
