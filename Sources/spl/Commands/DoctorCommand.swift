import ArgumentParser
import Foundation
import SyncropelStore

/// `spl doctor [--json]` (SPEC 8.5): read-only health rows for this home, each with the
/// command that fixes it. Works without a daemon: only the daemon rows need one.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this instance's health: daemon, store, records, backups, identity backup and file modes.",
        discussion: """
            Reads only: it writes no file, not even -wal or -shm beside a store no daemon has open. \
            Every record is re-hashed and every signature checked. Each row that warns or fails \
            names the command that fixes it. Exit status: 0 every row passes, 1 a row warns, 2 a row fails.
            """
    )

    @Flag(help: "Print the report as JSON (the same as -o json).")
    var json = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let home = try CommandEnvironment.home()
        let daemon = await DaemonChecks.probe(home: home)
        let instance = DoctorInstance.gather(
            home: home, environment: CommandEnvironment.variables, daemon: daemon, now: Date())
        let asJSON = json || output.json
        let report = DoctorReport(checks: Self.checks(instance, progress: asJSON ? nil : Self.sweepProgress()))
        if asJSON {
            print(report.json.serialized())
        } else {
            report.textLines.forEach { print($0) }
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    /// Every row, in the order of SPEC 8.5; the sweep runs only on a store that passed its check.
    static func checks(_ instance: DoctorInstance, progress: ProgressReport?) -> [DoctorCheck] {
        let folder = BackupFolder.read(instance)
        let store = StoreChecks.check(instance, backups: folder)
        var checks = [DaemonChecks.reachable(instance), DaemonChecks.pidFile(instance), FileModeChecks.config(instance)]
        checks += store.checks
        if store.report != nil {
            var onStep: (@Sendable (SweepProgress) -> Void)?
            if let progress {
                onStep = { step in progress.update(done: step.done, total: step.total) }
            }
            checks += StoreChecks.sweep(instance, backups: folder, progress: onStep)
            progress?.finish()
        }
        checks.append(BackupChecks.startupBackup(instance, folder: folder))
        checks.append(BackupChecks.newestBackup(instance, folder: folder))
        if let scheduled = DaemonChecks.scheduledBackups(instance) { checks.append(scheduled) }
        checks += DaemonChecks.replicas(instance)
        checks.append(BackupChecks.identityBackup(instance, folder: folder))
        checks.append(FileModeChecks.keys(instance, folder: folder))
        checks.append(FileModeChecks.secrets(instance))
        checks.append(FileModeChecks.run(instance))
        checks.append(FileModeChecks.store(instance))
        checks.append(FileModeChecks.backups(instance, folder: folder))
        return checks
    }

    /// A redrawn line while records are re-hashed, only on a terminal: piped text and JSON stay clean.
    private static func sweepProgress() -> ProgressReport? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        return ProgressReport("content addresses", unit: .records, total: nil)
    }
}
