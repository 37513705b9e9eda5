/// How much each measure does: SPEC 12's sizes, or small ones that keep `--quick`
/// to under a minute even against a debug `spl` (each simulated second of the replica's span is a real sync),
/// so the benchmark can run in CI and never rot.
struct BenchSizes {
    let singleOneClient: Int
    let singleFourClients: Int
    /// The same two rows into PostgreSQL, whose commits are several times slower.
    let postgresSingleOneClient: Int
    let postgresSingleFourClients: Int
    let batchIngest: Int
    let batchSize: Int
    let threadRecords: Int
    let threadPage: Int
    let threadReads: Int
    let knowRuns: Int
    let mediumStore: Int
    let largeStore: Int
    /// The size `backup verify`'s 10 s budget is written for.
    let verifyBudgetRecords: Int
    /// Records committed per simulated second over the replica's simulated span (objects written
    /// do not depend on it while every second has records).
    let replicaHourRecordsPerSecond: Int
    /// The replica's simulated span: an hour, or in `--quick` ten minutes (one ten-minute merge),
    /// since each simulated second is a real sync.
    let replicaSimulatedSeconds: Int
    /// Records of the 4-client load whose answers wait for a file replica (`ack = "after_replica"`).
    let afterReplicaIngest: Int
    /// Records of the store restored from a replica and from a snapshot.
    let replicaRestoreRecords: Int
    /// Page reads (`limit=100` of the read thread) in each PostgreSQL reads-per-second row,
    /// over 4 connections.
    let postgresReads: Int
    /// SIGKILLs of the active daemon whose takeover time the PostgreSQL takeover row reports.
    let takeoverRuns: Int
    /// Requests with wrong tokens in the wrong-token probe.
    let wrongTokenRequests: Int
    /// A valid client's requests timed before each probe, and again during it.
    let probeLatencySamples: Int
    /// Signatures each thread of the Ed25519 baseline verifies.
    let ed25519BaselinePerThread: Int
    /// Whether Litestream is installed (from PyPI) and measured beside a daemon.
    var measuresLitestream: Bool

    static let full = BenchSizes(
        singleOneClient: 20_000, singleFourClients: 60_000, postgresSingleOneClient: 20_000, postgresSingleFourClients: 60_000,
        batchIngest: 200_000, batchSize: 1000, threadRecords: 10_000, threadPage: 1000, threadReads: 50, knowRuns: 50,
        mediumStore: 100_000, largeStore: 1_000_000, verifyBudgetRecords: 1_000_000,
        replicaHourRecordsPerSecond: 100, replicaSimulatedSeconds: 3600, afterReplicaIngest: 60_000, replicaRestoreRecords: 1_000_000,
        postgresReads: 20_000, takeoverRuns: 3, wrongTokenRequests: 10_000, probeLatencySamples: 100, ed25519BaselinePerThread: 40_000,
        measuresLitestream: true)

    static let quick = BenchSizes(
        singleOneClient: 300, singleFourClients: 600, postgresSingleOneClient: 100, postgresSingleFourClients: 200,
        batchIngest: 5000, batchSize: 1000, threadRecords: 4000, threadPage: 1000, threadReads: 5, knowRuns: 5,
        mediumStore: 2000, largeStore: 6000, verifyBudgetRecords: 1_000_000,
        replicaHourRecordsPerSecond: 5, replicaSimulatedSeconds: 600, afterReplicaIngest: 300, replicaRestoreRecords: 2000,
        postgresReads: 100, takeoverRuns: 1, wrongTokenRequests: 400, probeLatencySamples: 40, ed25519BaselinePerThread: 1000,
        measuresLitestream: false)

    /// `100k`, `1M`, `2k`: record counts as the measure names show them.
    static func short(_ count: Int) -> String {
        if count >= 1_000_000, count % 1_000_000 == 0 { return "\(count / 1_000_000)M" }
        if count >= 1000, count % 1000 == 0 { return "\(count / 1000)k" }
        return String(count)
    }
}
