import ArgumentParser
import Foundation
import SyncropelKit

/// `spl drill`: the seed backup-and-restore drill, run by itself (SPEC 8.3).
struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Run the backup-and-restore drill end to end in a scratch home.",
        discussion: """
            Starts a daemon in a scratch home with a scratch HOME (so its backup root is scratch \
            too) on a free port, writes baseline records, restarts it to force the startup backup, \
            copies hub.db.bak off-host, zero-fills hub.db, checks that the start is refused and the \
            backups are untouched, restores the copy, and checks that the records, trust and rules \
            match the baseline. Every step is this spl run as the operator would type it. Prints \
            each phase's result and wall time and 'time-to-recover' (from the refused start to the \
            verified state); exits 1 naming the phase that failed. Your own home, HOME and backup \
            root are never used; the scratch folders are removed unless --keep. With -o json one \
            object: {"object":"drill","ok","failed_phase","reason","phases":[{"phase","result",\
            "seconds"}],"total_seconds","time_to_recover_seconds","scratch","kept"}.
            """
    )

    @Option(help: "How many baseline records to write (the seed writes 3).")
    var records = 3

    @Flag(help: "Keep the scratch folders (home, HOME, off-host copy, each command's output) and print where they are.")
    var keep = false

    @Flag(help: """
        Replace the off-host copy of hub.db.bak with a file replica (docs/REPLICATION.md): the daemon \
        ships to it as it runs, and the restore phase is 'spl backup restore --from-replica'.
        """)
    var fromReplica = false

    @OptionGroup var output: OutputOptions

    /// Longer than any command should take: `serve --daemon` gives up after 30 s without
    /// progress, `serve --stop` kills after 15 s.
    static let commandTimeout = Duration.seconds(90)

    func validate() throws {
        guard (1...100_000).contains(records) else {
            throw ValidationError("--records must be between 1 and 100000")
        }
    }

    func run() async throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let scratch = try DrillScratch.make()
        let port = try FreePort.find()
        let environment = scratch.environment(from: CommandEnvironment.variables)
        let gate = DrillChildGate()
        let commands = DrillCommandRunner(
            executable: executable, environment: environment, outputFolder: scratch.commandOutput, timeout: Self.commandTimeout,
            gate: gate)
        if !output.json { print("Drill: scratch home \(scratch.home), port \(port), baseline records: \(records)") }
        let interruption = DrillInterruption(
            scratch: scratch, executable: executable, environment: environment, gate: gate, keepScratch: keep)
        let drill = Drill(scratch: scratch, commands: commands, port: port, baselineRecords: records, fromReplica: fromReplica)
        let report = await drill.run(keepScratch: keep)
        interruption.cancel()
        if output.json {
            guard case .object(let object) = report.json else { return }
            print(JSONValue.object(JSONObject(object.members + [
                .init(key: "scratch", value: .string(scratch.root)), .init(key: "kept", value: .bool(keep)),
            ])).serialized())
        } else {
            print("")
            report.lines.forEach { print($0) }
        }
        if keep && !output.json {
            print("Kept: \(scratch.root) (home \(scratch.home), HOME \(scratch.userHome), command output \(scratch.commandOutput))")
        }
        if let failure = report.failure {
            let hint = keep ? "" : "; run 'spl drill --keep' to inspect the scratch folders"
            StandardError.write("Error: drill phase '\(failure.phase)' failed: \(failure.reason)\(hint)")
            throw ExitCode(1)
        }
    }
}
