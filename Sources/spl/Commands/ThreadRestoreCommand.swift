import ArgumentParser
import Foundation
import SyncropelKit
import SyncropelServer

/// `spl thread restore`: imports a snapshot file through the running daemon, checking the
/// whole file before the first record is written.
struct ThreadRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Import an NDJSON snapshot written by 'spl thread snapshot'.",
        discussion: """
            Nothing is written unless the whole file checks out: every line parses, every record id \
            is recomputed from its content and must equal the exported id, every signature verifies, \
            the record count and ids_sha256 match the manifest, no record collides with a stored \
            record on the same thread, actor and clock, and every new record for a reserved thread \
            (th_engine_config, th_actor_registry, th_federation_pairs, th_consent) is signed by this \
            instance; --dry-run lists those that are not. Records are stored as exported: signed ones \
            keep sig and signer, unsigned ones stay unsigned. Importing the same file again stores \
            nothing new. The source instance's own bootstrap record is skipped: this store has its own.
            """
    )

    @Option(name: .customLong("in"), help: "The snapshot file to import.")
    var input: String

    @Flag(help: "Check the file and say what would be created, writing nothing.")
    var dryRun = false

    @OptionGroup var output: OutputOptions

    /// What the import did, or would do with --dry-run.
    struct Outcome {
        var created = 0
        var exists = 0
        var skipped = 0
        var refused: [SnapshotError] = []
    }

    func run() async throws {
        let path = URL(fileURLWithPath: input).standardizedFileURL.path
        let snapshot = try Self.read(path)
        let outcome = try await DaemonClient.run { client in
            let plan = try await Self.plan(snapshot, against: client, path: path)
            if dryRun {
                return Outcome(
                    created: plan.toCreate.count, exists: plan.alreadyPresent.count, skipped: plan.skipped.count, refused: plan.refused)
            }
            if let first = plan.refused.first {
                let more = plan.refused.count > 1 ? " (and \(plan.refused.count - 1) more; --dry-run lists them)" : ""
                throw OperatorError("snapshot \(path) refused: \(first)\(more); nothing was imported")
            }
            var outcome = try await Self.send(plan.toSend, to: client, progress: !output.json)
            outcome.skipped = plan.skipped.count
            return outcome
        }
        report(outcome, path: path, threads: snapshot.manifest.threads.count)
        if !outcome.refused.isEmpty { throw ExitCode(1) }
    }

    /// The checked snapshot; any problem refuses the import with the line and record at fault.
    static func read(_ path: String) throws -> ThreadSnapshot {
        guard FileManager.default.fileExists(atPath: path) else {
            throw OperatorError("no snapshot file at \(path)")
        }
        do {
            return try ThreadSnapshot(decoding: try readLines(path))
        } catch let error as SnapshotError {
            throw OperatorError("snapshot \(path) refused: \(error); nothing was imported")
        }
    }

    /// The file's bytes, read a chunk at a time so a line longer than any snapshot line is
    /// refused as soon as it is seen, not after the whole of it is in memory.
    private static func readLines(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw OperatorError("cannot read snapshot \(path); check that it is a file you may read")
        }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        var line = 1
        var lineBytes = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            let newlines = chunk.lazy.filter { $0 == UInt8(ascii: "\n") }.count
            if let last = chunk.lastIndex(of: UInt8(ascii: "\n")) {
                let beforeFirst = chunk.firstIndex(of: UInt8(ascii: "\n"))! - chunk.startIndex
                guard lineBytes + beforeFirst <= ThreadSnapshot.maxLineBytes else {
                    throw SnapshotError.lineTooLong(line: line, limit: ThreadSnapshot.maxLineBytes)
                }
                lineBytes = chunk.endIndex - last - 1
            } else {
                lineBytes += chunk.count
            }
            line += newlines
            guard lineBytes <= ThreadSnapshot.maxLineBytes else {
                throw SnapshotError.lineTooLong(line: line, limit: ThreadSnapshot.maxLineBytes)
            }
            bytes += chunk
        }
        return bytes
    }

    /// Plans the import against what the store holds on the snapshot's threads.
    static func plan(_ snapshot: ThreadSnapshot, against client: DaemonClient, path: String) async throws -> SnapshotImportPlan {
        var stored: [Record] = []
        for thread in snapshot.manifest.threads {
            for object in try await client.allRecords(ofThread: thread) {
                do {
                    stored.append(try RecordDraft(json: object, stripExportFields: true).record())
                } catch {
                    throw DaemonClientError.malformedAnswer(
                        request: "GET /v1/threads/\(thread)/records", status: 200, reason: "a record that does not parse (\(error))")
                }
            }
        }
        let instance = try await client.signerDID()
        do {
            return try SnapshotImportPlan(snapshot: snapshot, stored: stored, instance: instance)
        } catch {
            throw OperatorError("snapshot \(path) refused: \(error); nothing was imported")
        }
    }

    /// Sends the entries in batches; a failure part-way says how far it got (a rerun finishes the job).
    static func send(_ entries: [ThreadSnapshot.Entry], to client: DaemonClient, progress showProgress: Bool) async throws -> Outcome {
        let progress = showProgress ? ProgressReport("restore", unit: .records, total: Int64(entries.count)) : nil
        var outcome = Outcome()
        for batch in batches(entries.map(\.envelope)) {
            let statuses: [String]
            do {
                statuses = try await client.ingestUnsigned(batch: batch)
            } catch {
                progress?.finish()
                let done = outcome.created + outcome.exists
                guard done > 0 else { throw error }
                throw OperatorError(
                    "\(error), after \(done) of \(entries.count) records were imported; run the same command again to import the rest")
            }
            outcome.created += statuses.filter { $0 == "created" }.count
            outcome.exists += statuses.filter { $0 != "created" }.count
            progress?.update(done: Int64(outcome.created + outcome.exists))
        }
        progress?.finish()
        return outcome
    }

    /// Batch budget: leaves room for `{"records":[…],"sign":false}` and the commas.
    static let maxBatchBytes = RequestLimits.maxBatchBytes - 4096

    /// `envelopes` cut into runs of at most `RequestLimits.maxBatchRecords` records and
    /// `maxBatchBytes` bytes of JSON, in order.
    static func batches(_ envelopes: [JSONValue]) -> [[JSONValue]] {
        var batches: [[JSONValue]] = []
        var current: [JSONValue] = []
        var bytes = 0
        for envelope in envelopes {
            let size = envelope.serialized().utf8.count + 1
            if !current.isEmpty, current.count == RequestLimits.maxBatchRecords || bytes + size > maxBatchBytes {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(envelope)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    private func report(_ outcome: Outcome, path: String, threads: Int) {
        if output.json {
            print(JSONValue.object(JSONObject([
                "object": "snapshot_restore", "path": .string(path), "dry_run": .bool(dryRun),
                "created": .integer(JSONInteger(Int64(outcome.created))), "exists": .integer(JSONInteger(Int64(outcome.exists))),
                "skipped": .integer(JSONInteger(Int64(outcome.skipped))), "threads": .integer(JSONInteger(Int64(threads))),
                "refused": .array(outcome.refused.map { .string($0.description) }),
            ])).serialized())
            return
        }
        let created = dryRun ? "\(outcome.created) would be created" : "\(outcome.created) created"
        var line = "\(created), \(outcome.exists) already present"
        if outcome.skipped > 0 {
            line += ", \(outcome.skipped) skipped (the source instance's bootstrap record; this store has its own)"
        }
        let threadCount = ThreadSnapshotCommand.count(threads, "thread")
        if !outcome.refused.isEmpty { line += ", \(outcome.refused.count) refused" }
        print(dryRun
            ? "Dry run of \(path), nothing written: \(line) (\(threadCount))"
            : "Restored \(path): \(line) (\(threadCount))")
        for refusal in outcome.refused { print("  refused: \(refusal)") }
    }
}
