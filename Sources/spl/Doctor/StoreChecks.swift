import Foundation
import SyncropelStore

/// The rows about the store: whether SQLite reads it whole, its schema, and whether every
/// record still earns its address and its signature. Every read is read-only and creates no
/// file: a store no daemon has open gets no -wal or -shm beside it.
enum StoreChecks {
    /// How many bad record ids a row names before it only counts the rest.
    static let namedFindings = 3

    /// The store row, the schema row, and the health report the sweep goes on from.
    static func check(
        _ instance: DoctorInstance, backups: BackupFolder?
    ) -> (checks: [DoctorCheck], report: StoreHealthReport?) {
        let path = instance.storePath
        let restore = BackupFolder.restoreCommand(instance, folder: backups)
        do {
            let report = try StoreHealthCheck(path: path).run(quickCheck: true)
            let records = DoctorCheck.counted(report.recordCount, "record")
            let store = DoctorCheck.pass(
                "store", "\(path): header and quick_check ok, \(records), highest sequence \(report.highestSequence)")
            return ([store, schema(report, instance: instance)], report)
        } catch {
            switch error {
            case .missing, .empty:
                guard instance.home.hasIdentity else {
                    return ([.warn("store", "no instance in \(instance.home.root) yet", fix: "spl start")], nil)
                }
                return ([.fail("store", error.description, fix: restore)], nil)
            case let .newerSchema(_, found, supported):
                // No command fixes this: only a newer spl reads the store.
                let schema = DoctorCheck.fail(
                    "schema", "version \(found), newer than version \(supported) that this spl supports",
                    fix: nil)
                return ([.pass("store", "\(path): header and quick_check ok"), schema], nil)
            default:
                return ([.fail("store", error.description, fix: restore)], nil)
            }
        }
    }

    private static func schema(_ report: StoreHealthReport, instance: DoctorInstance) -> DoctorCheck {
        guard report.needsMigration else { return .pass("schema", "version \(report.schemaVersion), current") }
        return .warn(
            "schema", "version \(report.schemaVersion), migrated by the daemon at its next start",
            fix: instance.startOrRestart)
    }

    /// The content-address row and the signature row, from one sweep of every record.
    static func sweep(
        _ instance: DoctorInstance, backups: BackupFolder?, progress: (@Sendable (SweepProgress) -> Void)?
    ) -> [DoctorCheck] {
        let restore = BackupFolder.restoreCommand(instance, folder: backups)
        let report: SweepReport
        do {
            report = try ContentAddressSweep.run(file: instance.storePath, progress: progress)
        } catch {
            return [.fail("content addresses", error.description, fix: restore)]
        }
        let content = sweepRow(
            "content addresses", report.badRecords, of: report.recordsChecked, noun: "record",
            passed: "re-hashed, every id matches", failed: "do not match their id", fix: restore)
        let signatures = sweepRow(
            "signatures", report.badSignatures, of: report.signaturesChecked, noun: "signature",
            passed: "verified", failed: "do not verify", fix: restore)
        return [content, signatures]
    }

    /// `12 records re-hashed, every id matches`, or `2 of 12 records do not match their id: <ids>`.
    private static func sweepRow(
        _ name: String, _ findings: [SweepFinding], of checked: Int64, noun: String, passed: String, failed: String,
        fix: String
    ) -> DoctorCheck {
        guard !findings.isEmpty else { return .pass(name, "\(DoctorCheck.counted(checked, noun)) \(passed)") }
        return .fail(name, "\(findings.count) of \(checked) \(noun)s \(failed): \(named(findings))", fix: fix)
    }

    /// `id1, id2, id3 and 4 more`.
    static func named(_ findings: [SweepFinding]) -> String {
        let ids = findings.prefix(namedFindings).map(\.storedID).joined(separator: ", ")
        let more = findings.count - min(findings.count, namedFindings)
        return more > 0 ? "\(ids) and \(more) more" : ids
    }
}
