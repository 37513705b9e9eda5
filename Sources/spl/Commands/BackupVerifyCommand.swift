import ArgumentParser
import Foundation
import SyncropelStore

/// `spl backup verify FILE [--full]` (SPEC 8.2): read-only, creates no file.
struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a backup (or any store file) is sound, without changing it.",
        discussion: """
            Checks the SQLite header, runs PRAGMA quick_check (integrity_check with --full), reads \
            the schema version, recomputes every record's id from its canonical bytes and checks \
            every signature. Prints the counts and OK, or every bad record. Opens the file \
            immutable: no lock, journal, -wal or -shm file is created. Exit 0 sound, 1 not.
            """
    )

    @Argument(help: "The backup file to verify.")
    var file: String

    @Flag(help: "Run integrity_check (also compares every index with its table) instead of quick_check.")
    var full = false

    func run() async throws {
        let sound = Self.verify(file, full: full, showProgress: true).isSound
        if !sound { throw ExitCode(1) }
    }

    /// What a verification decided, for `restore` to act on.
    enum Outcome {
        case sound(StoreVerificationReport)
        case failed(reason: String)

        var isSound: Bool {
            if case .sound = self { return true }
            return false
        }
    }

    /// Verifies `path` and prints what was found, ending with `OK` or `FAILED: …`.
    static func verify(_ path: String, full: Bool, showProgress: Bool) -> Outcome {
        print("Verifying \(path)")
        let progress = showProgress ? ProgressReport("verify", unit: .records, total: nil) : nil
        let report: StoreVerificationReport
        do {
            report = try StoreVerification.run(file: path, full: full) { step in
                progress?.update(done: step.done, total: step.total)
            }
            progress?.finish()
        } catch {
            progress?.finish()
            print("FAILED: \(error.description)")
            return .failed(reason: error.description)
        }
        let health = report.health
        let sweep = report.sweep
        print("Header:     SQLite format 3")
        print("Pages:      \(report.pageCheck.rawValue) ok")
        print("Schema:     version \(health.schemaVersion)")
        print("Records:    \(sweep.recordsChecked) checked, \(sweep.badRecords.count) bad, \(rate(sweep.recordsChecked, sweep.contentDuration)) records/s")
        print("Signatures: \(sweep.signaturesChecked) checked, \(sweep.badSignatures.count) bad, \(rate(sweep.signaturesChecked, sweep.signatureDuration)) signatures/s")
        print("Times:      \(times(pages: report.pageCheckDuration, records: sweep.contentDuration, signatures: sweep.signatureDuration))")
        for finding in sweep.badRecords + sweep.badSignatures {
            print("bad \(finding)")
        }
        guard report.isClean else {
            let reason = "\(sweep.badRecords.count) bad records, \(sweep.badSignatures.count) bad signatures"
            print("FAILED: \(reason)")
            return .failed(reason: reason)
        }
        print("OK")
        return .sound(report)
    }

    /// Items per second, whole; 0 when nothing was counted.
    private static func rate(_ count: Int64, _ duration: Duration) -> Int64 {
        let elapsed = seconds(duration)
        guard count > 0, elapsed > 0 else { return 0 }
        return Int64(Double(count) / elapsed)
    }

    /// "pages 0.06 s, records 2.91 s, signatures 4.46 s": each phase apart, so a benchmark can
    /// tell which one a slow verify spent its time in.
    private static func times(pages: Duration, records: Duration, signatures: Duration) -> String {
        [("pages", pages), ("records", records), ("signatures", signatures)]
            .map { name, duration in "\(name) \(String(format: "%.2f", seconds(duration))) s" }
            .joined(separator: ", ")
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
