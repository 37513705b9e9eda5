import Foundation

/// SPEC 12's backup rows: the startup backup and `spl backup now` beside `cp` + `sync` of
/// the same store file, and `spl backup verify` beside `sha256sum` of the backup.
enum BackupMeasures {
    /// `cp` of a file then `sync` of the copy, timed together.
    struct CopyBaseline {
        let bytes: Int64
        let seconds: Double
        var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }
    }

    /// Copies `instance`'s store file and syncs the copy (the daemon, if one runs, is idle).
    static func copyBaseline(_ run: BenchRun, instance: ScratchInstance, saying: Bool = true) throws -> CopyBaseline {
        if saying { Progress.say("cp + sync of \(instance.storeFile)") }
        let copy = run.root + "/cp-copy.db"
        defer { unlink(copy) }
        let environment = ScratchEnvironment.base()
        let cp = try ChildProcess(executable: "/bin/cp", arguments: [instance.storeFile, copy], environment: environment)
            .runChecked(scratch: run.root, timeout: 600)
        let sync = try ChildProcess(executable: "/bin/sync", arguments: [copy], environment: environment)
            .runChecked(scratch: run.root, timeout: 600)
        return CopyBaseline(bytes: try fileSize(instance.storeFile), seconds: cp.wallSeconds + sync.wallSeconds)
    }

    /// Issue 15's budget for both backup rows against `cp` + `sync` (SPEC 12 asks 0.5).
    static let copyBudget = 0.8

    /// The startup backup of the large store's first start, from its log line.
    static func startupBackup(_ start: StartupMeasures.Start, count: Int, copy: CopyBaseline) throws -> BenchRow {
        let backup = try start.log.backupWritten()
        let rate = Double(backup.bytes) / 1e6 / (backup.milliseconds / 1000)
        let ratio = rate / copy.megabytesPerSecond
        return BenchRow(
            "startup backup, \(BenchSizes.short(count)) records", value: rate, unit: "MB/s", baseline: copy.megabytesPerSecond,
            budget: .ratioAtLeast(copyBudget, ratio: ratio), daemonPeakMB: start.peakMB,
            notes: [String(format: "%.1f MB in %.0f ms", Double(backup.bytes) / 1e6, backup.milliseconds),
                    "baseline: cp + sync of hub.db", "peak memory of the start"] + (backup.note.map { [$0] } ?? []))
    }

    /// `spl backup now -o json` with the daemon running; returns the row and the backup's path.
    /// Rounds of `cp` + `sync` and `spl backup now` in turn.
    static let backupNowRounds = 3

    /// `spl backup now -o json` with the daemon running, each time right after its own `cp` +
    /// `sync` of hub.db: a virtual disk's write speed moves with what was written just before,
    /// so each backup is set beside the copy made just before it, not one made before the cold
    /// starts. Medians of `backupNowRounds` rounds; returns the row and the last backup's path.
    static func backupNow(_ run: BenchRun, instance: ScratchInstance, count: Int) throws -> (row: BenchRow, path: String) {
        Progress.say("spl backup now, \(backupNowRounds) times, each after cp + sync of hub.db")
        let memory = PeakMemory.begin(try instance.requirePID())
        var rounds: [(copy: CopyBaseline, seconds: Double, bytes: Int64)] = []
        var path = ""
        for round in 0..<backupNowRounds {
            let copy = try copyBaseline(run, instance: instance, saying: false)
            let result = try instance.run(["backup", "now", "-o", "json"], timeout: 600)
            guard let answer = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                let written = answer["path"] as? String
            else {
                throw BenchError.unexpectedOutput(command: "spl backup now -o json", detail: "no \"path\" in \(BenchError.excerpt(result.stdout))")
            }
            rounds.append((copy, result.wallSeconds, try fileSize(written)))
            // Only the last backup is kept, for the verify row.
            if round < backupNowRounds - 1 { unlink(written) }
            path = written
        }
        let peak = memory.megabytes()
        let rate = Samples(rounds.map { Double($0.bytes) / 1e6 / $0.seconds }).median
        let baseline = Samples(rounds.map(\.copy.megabytesPerSecond)).median
        let ratios = rounds.map { (Double($0.bytes) / 1e6 / $0.seconds) / $0.copy.megabytesPerSecond }
        let row = BenchRow(
            "spl backup now, \(BenchSizes.short(count)) records", value: rate, unit: "MB/s", baseline: baseline,
            budget: .ratioAtLeast(copyBudget, ratio: rate / baseline), daemonPeakMB: peak,
            notes: [
                String(format: "%.1f MB; median of %d: ", Double(rounds[0].bytes) / 1e6, rounds.count)
                    + rounds.map { String(format: "%.2f s", $0.seconds) }.joined(separator: " · ") + " (process wall)",
                "baseline: cp + sync of hub.db just before each, "
                    + rounds.map { String(format: "%.2f s", $0.copy.seconds) }.joined(separator: " · "),
                "ratios " + ratios.map { String(format: "%.2f", $0) }.joined(separator: " · "),
            ] + (memory.note.map { [$0] } ?? []))
        return (row, path)
    }

    /// `spl backup verify <path>` beside `sha256sum <path>`; a second row for signatures.
    static func verify(_ run: BenchRun, path: String, instance: ScratchInstance, count: Int) throws -> [BenchRow] {
        Progress.say("spl backup verify, and sha256sum of the same file")
        let hash = try ChildProcess(executable: "/usr/bin/sha256sum", arguments: [path], environment: ScratchEnvironment.base())
            .runChecked(scratch: run.root, timeout: 600)
        let result = try instance.run(["backup", "verify", path], timeout: 600)
        let command = "spl backup verify \(path)"
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.contains("OK") else {
            throw BenchError.unexpectedOutput(command: command, detail: "no OK line: \(BenchError.excerpt(result.stdout))")
        }
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let each = run.sizes.ed25519BaselinePerThread
        Progress.say("Ed25519 verification in a tight loop: \(cores) threads, \(each) signatures each")
        let ed25519 = try Ed25519Baseline.signaturesPerSecond(threads: cores, each: each)
        let records = try rate(lines, prefix: "Records:", command: command)
        let signatures = try rate(lines, prefix: "Signatures:", command: command)
        let times = try phaseSeconds(lines, command: command)
        let content = times.pages + times.records
        var notes = [
            String(format: "%.2f cores used", result.coresUsed),
            "\(records.checked) records, \(BenchTable.number(records.perSecond)) records/s",
            "baseline: sha256sum",
        ]
        if count < run.sizes.verifyBudgetRecords {
            notes.append("budget applies at \(BenchSizes.short(run.sizes.verifyBudgetRecords)) records")
        }
        return [
            BenchRow(
                "spl backup verify, \(BenchSizes.short(count)) records", value: result.wallSeconds, unit: "s",
                baseline: hash.wallSeconds, budget: .atMost(10, "s", value: result.wallSeconds), notes: notes),
            BenchRow(
                "backup verify without signatures (pages and records)", value: content, unit: "s", baseline: hash.wallSeconds,
                budget: .ratioAtMost(2, ratio: content / hash.wallSeconds),
                notes: [
                    String(format: "verify's own phase times: pages %.2f s + records %.2f s", times.pages, times.records),
                    "baseline: sha256sum; signatures are the next row, against their own baseline",
                ]),
            BenchRow(
                "backup verify: signatures", value: signatures.perSecond, unit: "signatures/s", baseline: ed25519,
                budget: .ratioAtLeast(0.8, ratio: signatures.perSecond / ed25519),
                notes: [
                    "\(signatures.checked) signatures checked",
                    "baseline: swift-crypto Ed25519 verification in a tight loop, \(cores) threads, \(cores * each) signatures",
                ]),
        ]
    }

    /// "Records:    N checked, 0 bad, R records/s" → (N, R); any bad item fails the measure.
    private static func rate(_ lines: [String], prefix: String, command: String) throws -> (checked: Int, perSecond: Double) {
        guard let line = lines.first(where: { $0.hasPrefix(prefix) }) else {
            throw BenchError.unexpectedOutput(command: command, detail: "no \"\(prefix)\" line")
        }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count == 3, numbers[1] == 0 else {
            throw BenchError.unexpectedOutput(command: command, detail: "unexpected \"\(line)\"")
        }
        return (numbers[0], Double(numbers[2]))
    }

    /// "Times:      pages 0.31 s, records 2.15 s, signatures 2.64 s" → the three durations.
    private static func phaseSeconds(_ lines: [String], command: String) throws -> (pages: Double, records: Double, signatures: Double) {
        guard let line = lines.first(where: { $0.hasPrefix("Times:") }) else {
            throw BenchError.unexpectedOutput(command: command, detail: "no \"Times:\" line")
        }
        let numbers = line.split(whereSeparator: { !$0.isNumber && $0 != "." }).compactMap { Double($0) }
        guard numbers.count == 3 else {
            throw BenchError.unexpectedOutput(command: command, detail: "unexpected \"\(line)\"")
        }
        return (numbers[0], numbers[1], numbers[2])
    }

    static func fileSize(_ path: String) throws -> Int64 {
        guard let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber else {
            throw BenchError.fileFailed(path: path, detail: "cannot read its size")
        }
        return size.int64Value
    }
}
