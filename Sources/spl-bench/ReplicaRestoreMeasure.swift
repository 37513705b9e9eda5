import Foundation

/// Issue 12's restore row: a store bulk-loaded with a file replica following it, so every
/// record is in segments, brought back by `spl backup restore --from-replica` (chain checked,
/// every record re-hashed and its signature checked) beside `spl backup restore` of a snapshot
/// of the same store taken at the same moment.
enum ReplicaRestoreMeasure {
    static func row(_ run: BenchRun) throws -> BenchRow {
        let count = run.sizes.replicaRestoreRecords
        let instance = try run.instance("replica-restore")
        let replicaFolder = instance.folder + "/replica"
        try ReplicationMeasures.require(instance.run(["init"]), "spl init")
        try ReplicationMeasures.require(
            instance.run(["backup", "replica", "add", "bench", "file://" + replicaFolder]), "spl backup replica add")
        // The bulk load's own row is measured elsewhere; here it only builds the store.
        _ = try StartupMeasures.bulkLoad(run, instance: instance, count: count)
        try ReplicationMeasures.waitForReplica(instance, shipped: Int64(count))
        let snapshot = instance.folder + "/snapshot.db"
        try ReplicationMeasures.require(instance.run(["backup", "now", "--to", snapshot]), "spl backup now --to")
        try instance.stop()
        let storeBytes = try FileManager.default.attributesOfItem(atPath: instance.storeFile)[.size] as? Int ?? 0
        let replicaBytes = ReplicationMeasures.folderBytes(replicaFolder)

        Progress.say("restore of \(count) records: spl backup restore of a snapshot, then spl backup restore --from-replica")
        let fromSnapshot = try ReplicationMeasures.require(
            instance.run(["backup", "restore", snapshot, "--yes"], timeout: 1800), "spl backup restore")
        let fromReplica = try ReplicationMeasures.require(
            instance.run(["backup", "restore", "--from-replica", "bench", "--yes"], timeout: 1800), "spl backup restore --from-replica")
        return BenchRow(
            "restore of \(BenchSizes.short(count)) records from a replica", value: fromReplica.wallSeconds, unit: "s",
            baseline: fromSnapshot.wallSeconds,
            notes: ["baseline: spl backup restore of a snapshot of the same store", "both verify every id and signature",
                    "every record in segments (the replica followed the load)",
                    "store \(storeBytes / 1_000_000) MB, replica \(replicaBytes / 1_000_000) MB",
                    "Litestream: 3.66 s for 157.6 MB (345 605 records)"])
    }
}
