import ArgumentParser
import Foundation
import SyncropelKit
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
            immutable: no lock, journal, -wal or -shm file is created. Exit 0 sound, 1 not. With \
            -o json: {"object":"backup_verification","path","sound","reason","page_check","schema_version",\
            "records_checked","bad_records":[…],"signatures_checked","bad_signatures":[…]}.
            """
    )

    @Argument(help: "The backup file to verify.")
    var file: String

    @Flag(help: "Run integrity_check (also compares every index with its table) instead of quick_check.")
    var full = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let path = file.absolutePath
        let outcome: Outcome
        if output.json {
            outcome = Self.check(path, full: full, progress: nil)
            print(Self.json(outcome, path: path).serialized())
        } else {
            outcome = Self.verify(path, full: full, showProgress: true)
        }
        if outcome.failure != nil { throw ExitCode(1) }
    }

    /// What a verification found, for `restore` to act on.
    enum Outcome {
        /// The file opened as a store and was swept; it is sound when the report is clean.
        case checked(StoreVerificationReport)
        /// The file could not be checked at all (missing, not a database, wrong schema).
        case unreadable(reason: String)

        /// Why the file is not sound; nil when it is.
        var failure: String? {
            switch self {
            case .checked(let report):
                report.isClean ? nil : "\(report.sweep.badRecords.count) bad records, \(report.sweep.badSignatures.count) bad signatures"
            case .unreadable(let reason):
                reason
            }
        }
    }

    /// Runs the checks, printing nothing but the progress line.
    static func check(_ path: String, full: Bool, progress: ProgressReport?) -> Outcome {
        defer { progress?.finish() }
        do {
            return .checked(try StoreVerification.run(file: path, full: full) { step in
                progress?.update(done: step.done, total: step.total)
            })
        } catch {
            return .unreadable(reason: error.description)
        }
    }

    /// The outcome as one JSON object.
    static func json(_ outcome: Outcome, path: String) -> JSONValue {
        var object = JSONObject([
            "object": "backup_verification", "path": .string(path), "sound": .bool(outcome.failure == nil),
            "reason": outcome.failure.map(JSONValue.string) ?? .null,
        ])
        if case .checked(let report) = outcome {
            let sweep = report.sweep
            object["page_check"] = .string(report.pageCheck.rawValue)
            object["schema_version"] = .integer(JSONInteger(Int64(report.health.schemaVersion)))
            object["records_checked"] = .integer(JSONInteger(sweep.recordsChecked))
            object["bad_records"] = .array(sweep.badRecords.map { .string($0.description) })
            object["signatures_checked"] = .integer(JSONInteger(sweep.signaturesChecked))
            object["bad_signatures"] = .array(sweep.badSignatures.map { .string($0.description) })
        }
        return .object(object)
    }

    /// Verifies `path` and prints what was found, ending with `OK` or `FAILED: …`.
    static func verify(_ path: String, full: Bool, showProgress: Bool) -> Outcome {
        print("Verifying \(path)")
        let outcome = check(path, full: full, progress: showProgress ? ProgressReport("verify", unit: .records, total: nil) : nil)
        guard case .checked(let report) = outcome else {
            print("FAILED: \(outcome.failure ?? "")")
            return outcome
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
        if let reason = outcome.failure {
            print("FAILED: \(reason)")
        } else {
            print("OK")
        }
        return outcome
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
