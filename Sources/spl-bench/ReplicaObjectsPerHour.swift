import Foundation
import Logging
import SyncropelKit
import SyncropelReplica
import SyncropelStore

/// Issue 12's objects per hour at a steady rate, against the bound docs/REPLICATION.md states
/// (over ten minutes in `--quick`).
///
/// An hour cannot be waited out in a benchmark, so the hour is simulated: a replicator runs in
/// this process on a real store and a real file replica, and its schedule clock (which decides
/// when segments merge) moves one second per sync. Each simulated second commits that second's
/// records, then runs one sync; every object written or deleted goes through the real
/// `FileObjectStore` and is counted by the replicator.
enum ReplicaObjectsPerHour {
    /// docs/REPLICATION.md: what a generation holds at rest at most.
    static let documentedObjectsAtRest = 632.0

    /// docs/REPLICATION.md's bound on objects written over `seconds`: one level-0 segment per
    /// sync, a merge every ten minutes and another every hour (3 600 + 6 + 1 in an hour).
    static func documentedWrites(over seconds: Int) -> Double {
        Double(seconds + seconds / 600 + seconds / 3600)
    }

    static func rows(_ run: BenchRun) throws -> [BenchRow] {
        let perSecond = run.sizes.replicaHourRecordsPerSecond
        let seconds = run.sizes.replicaSimulatedSeconds
        let span = seconds == 3600 ? "an hour" : "\(seconds / 60) minutes"
        Progress.say("replica objects written: \(perSecond) records/s over \(span), simulated")
        let folder = run.root + "/replica-hour"
        let hour = try AsyncWork.wait { try await simulate(seconds: seconds, in: folder, recordsPerSecond: perSecond) }
        let simulated = "time simulated: the replicator's schedule clock moves 1 s per sync, real store and file replica"
        let bound = documentedWrites(over: seconds)
        return [
            BenchRow(
                "replica objects written in \(span) at \(perSecond) records/s", value: Double(hour.written), unit: "objects",
                baseline: bound, budget: .ratioAtMost(1, ratio: Double(hour.written) / bound),
                notes: [simulated,
                        "baseline: the bound of docs/REPLICATION.md (\(seconds) syncs + \(seconds / 600) + \(seconds / 3600) merges)",
                        "\(hour.deleted) merged parts deleted", "\(hour.records) records", String(format: "%.0f s of real time", hour.wallSeconds)]),
            BenchRow(
                "replica objects held after that time", value: Double(hour.held), unit: "objects",
                baseline: documentedObjectsAtRest, budget: .ratioAtMost(1, ratio: Double(hour.held) / documentedObjectsAtRest),
                notes: ["baseline: a generation at rest per docs/REPLICATION.md", "snapshot and generation.json included"]),
        ]
    }

    struct Hour: Sendable {
        let records: Int
        /// Objects written and deleted during the hour, the generation's first two objects not included.
        let written: Int64
        let deleted: Int64
        let held: Int
        let wallSeconds: Double
    }

    private static func simulate(seconds: Int, in folder: String, recordsPerSecond: Int) async throws -> Hour {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let identity = SigningIdentity()
        let store = try SQLiteRecordStore(path: folder + "/hub.db", options: .init(createdByVersion: "spl-bench"))
        let objects = FileObjectStore(root: folder + "/replica")
        let clock = SimulatedClock()
        var logger = Logger(label: "spl-bench.replica")
        logger.logLevel = .warning
        let replicator = Replicator(
            settings: .init(name: "hour", syncInterval: .seconds(1), snapshotInterval: .seconds(86_400), retention: .seconds(14 * 86_400)),
            objects: objects, store: store, did: identity.didKey, logger: logger, scheduleClock: { clock.now })
        let started = Stopwatch.now()
        try await replicator.step()
        let atStart = await replicator.status().writes
        var index = 0
        for _ in 0..<seconds {
            let drafts = (0..<recordsPerSecond).map { _ in
                index += 1
                return RecordDraft(
                    act: .know, actor: "did:sync:user:bench", body: JSONObject(["text": .string("bench record \(index)")]),
                    thread: "th_bench_\(index % 100)")
            }
            _ = try await store.ingest(batch: drafts, signingWith: identity)
            clock.advance(1)
            try await replicator.step()
        }
        let writes = await replicator.status().writes
        let held = try await objects.list(prefix: "").count
        let wall = Stopwatch.now() - started
        try await store.close()
        return Hour(
            records: index, written: writes.objectsWritten - atStart.objectsWritten, deleted: writes.objectsDeleted - atStart.objectsDeleted,
            held: held, wallSeconds: wall)
    }
}

/// A clock that moves only when told to, shared with the replicator's schedule.
private final class SimulatedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Date()

    var now: Date { lock.withLock { time } }

    func advance(_ seconds: TimeInterval) {
        lock.withLock { time += seconds }
    }
}
