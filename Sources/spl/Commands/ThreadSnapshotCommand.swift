import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit

/// `spl thread snapshot`: threads, signatures and all, as an NDJSON file that
/// `spl thread restore` imports into any instance.
struct ThreadSnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Export one thread, or every thread, to an NDJSON snapshot file.",
        discussion: """
            Line 1 is a manifest: {"object":"snapshot_manifest","version":1,"threads":[…],"records":N,\
            "ids_sha256":…,"created_at":…,"instance_did":…}, where ids_sha256 is the SHA-256 of the \
            sorted record ids joined by newlines. Every further line is one record object as the HTTP \
            API returns it, sig and signer kept. The file is written whole or not at all (mode 0600). \
            Import it with 'spl thread restore --in FILE'.
            """
    )

    @Argument(help: "The thread to export (or --all).")
    var thread: String?

    @Flag(help: "Export every thread of the store but th_service_accounts (credentials stay with their instance).")
    var all = false

    @Option(help: "The snapshot file to write; an existing file is replaced.")
    var out: String

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (thread == nil) == all else {
            throw ValidationError("name one thread or pass --all")
        }
    }

    func run() async throws {
        let path = URL(fileURLWithPath: out).standardizedFileURL.path
        let (threads, records, instanceDID) = try await DaemonClient.run { client in
            let counts = try await client.threadRecordCounts()
            // Service accounts are this instance's credentials: backups carry them, but another
            // instance would refuse them, signed by a key not its own, and so the whole import.
            let threads = thread.map { [$0] } ?? counts.keys.filter { $0 != RecordRules.serviceAccountsThread }.sorted()
            let total = threads.reduce(0) { $0 + (counts[$1] ?? 0) }
            let progress = output.json ? nil : ProgressReport("snapshot", unit: .records, total: total)
            var records: [JSONValue] = []
            for thread in threads {
                records += try await client.allRecords(ofThread: thread)
                progress?.update(done: Int64(records.count))
            }
            progress?.finish()
            return (threads, records, try await client.instanceDID())
        }
        if let thread, records.isEmpty {
            throw OperatorError("thread \(thread) has no records in this store; nothing was written")
        }
        let ids = try records.map { record in
            guard let id = record.value(atPath: "id")?.stringValue else {
                throw DaemonClientError.malformedAnswer(
                    request: "GET /v1/threads/…/records", status: 200, reason: "a record without an id")
            }
            return id
        }
        let manifest = SnapshotManifest(
            threads: threads, ids: ids, createdAt: Int64(Date().timeIntervalSince1970 * 1000), instanceDID: instanceDID)
        let bytes = ThreadSnapshot.encode(manifest: manifest, records: records)
        try PrivateFiles.writeAtomically(bytes, to: path)
        if output.json {
            print(JSONValue.object(JSONObject([
                "object": "snapshot", "path": .string(path), "threads": .integer(JSONInteger(Int64(threads.count))),
                "records": .integer(JSONInteger(Int64(ids.count))), "bytes": .integer(JSONInteger(Int64(bytes.count))),
                "ids_sha256": .string(manifest.idsSHA256),
            ])).serialized())
        } else {
            print("Snapshot: \(path) (\(Self.count(ids.count, "record")) of \(Self.count(threads.count, "thread")), \(bytes.count) bytes)")
        }
    }

    /// `1 record`, `3 records`.
    static func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }
}
