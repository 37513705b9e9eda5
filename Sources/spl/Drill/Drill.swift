import Foundation

/// The seed backup-and-restore drill (SPEC 8.3), run end to end by this binary in a scratch
/// home, scratch `HOME` and free port: each phase runs the commands an operator types, as
/// child processes, and checks what they did.
///
/// The phases run in order; after a failure the rest are skipped, but the clean-up always
/// runs so no daemon outlives the drill. Nothing waits on a timer: `spl serve --daemon`
/// returns once the daemon is ready (or refused), `spl serve --stop` once it has exited.
final class Drill {
    /// The thread the seed drill writes its baseline to.
    static let thread = "th_drill"

    let scratch: DrillScratch
    let commands: DrillCommandRunner
    let port: Int
    let baselineRecords: Int
    /// Replace the off-host copy of hub.db.bak with a file replica, and restore from it.
    let fromReplica: Bool

    /// What the baseline phase saw, for the verify phase to compare.
    var baseline: ThreadTail?
    /// `spl trust -o json` and `spl config list-rules -o json` before the damage.
    var baselineDerived: [String: String] = [:]
    /// The off-host copy the restore phase copies back.
    var offsiteCopy: String { scratch.offsite + "/hub.db.drill.bak" }
    /// When the refused start returned: the operator knows the store is damaged.
    var recoveryStarted: ContinuousClock.Instant?
    /// From the refused start to the verified restored state.
    var timeToRecover: Duration?

    init(scratch: DrillScratch, commands: DrillCommandRunner, port: Int, baselineRecords: Int, fromReplica: Bool = false) {
        self.scratch = scratch
        self.commands = commands
        self.port = port
        self.baselineRecords = baselineRecords
        self.fromReplica = fromReplica
    }

    /// The phases in the seed's order, named as the report names them. With `fromReplica` the
    /// off-host copy is a file replica the daemon ships to as it runs (no restart needed) and
    /// the restore reads it: the drill of docs/REPLICATION.md.
    var phases: [(name: String, run: () async throws -> Void)] {
        [
            ("setup", fromReplica ? setUpWithReplica : setUp),
            ("baseline", writeBaseline),
            fromReplica ? ("replicate", waitForReplica) : ("backup", forceBackup),
            ("corrupt", corruptStore),
            ("refused start", expectRefusedStart),
            fromReplica ? ("restore", restoreFromReplica) : ("restore", restoreOffsiteCopy),
            ("verify", verifyRecords),
            ("trust and rules", verifyDerivedState),
        ]
    }

    /// Runs every phase, then the clean-up, and reports each.
    func run(keepScratch: Bool) async -> DrillReport {
        var report = DrillReport()
        for phase in phases {
            guard report.failure == nil else {
                report.skip(phase.name)
                continue
            }
            await report.time(phase.name, phase.run)
        }
        await report.time("clean-up") { try await self.cleanUp(keepScratch: keepScratch) }
        report.finish(timeToRecover: timeToRecover)
        return report
    }
}

/// How many records th_drill holds and the id of the newest: what the seed compares.
struct ThreadTail: Equatable, CustomStringConvertible {
    let count: Int
    let lastID: String

    var description: String { "\(count) records, last=\(lastID)" }
}
