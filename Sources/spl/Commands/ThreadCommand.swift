import ArgumentParser
import SyncropelKit

/// `spl thread …`: threads as the daemon folds them.
struct ThreadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thread",
        abstract: "List threads, show one thread's state, print its records, or snapshot and restore threads.",
        discussion: """
            A thread is the records that share a thread id. Its state (open, closed, cancelled, \
            or none without an INTEND) is folded by the daemon from those records.
            """,
        subcommands: [
            ThreadListCommand.self, ThreadShowCommand.self, ThreadRecordsCommand.self, ThreadSnapshotCommand.self,
            ThreadRestoreCommand.self,
        ]
    )
}

struct ThreadListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List threads with their record count, last activity and status.",
        discussion: """
            Most recently updated first. LAST ACTIVITY is the arrival time of the newest record, \
            ISO-8601 UTC. STATUS is open, closed, cancelled, or none for a thread without an INTEND.
            """
    )

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let threads = try await DaemonClient.run { try await $0.getList("/v1/threads") }
        output.printList(threads, empty: "no threads yet") { threads in
            TextTable(
                header: ["ID", "RECORDS", "LAST ACTIVITY", "STATUS"],
                rows: threads.map { thread in
                    [
                        thread.value(atPath: "id").displayText,
                        thread.value(atPath: "record_count").displayText,
                        DisplayTime.iso8601(thread.value(atPath: "updated_at")),
                        thread.value(atPath: "status").displayText,
                    ]
                }
            )
        }
    }
}

struct ThreadShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a thread's folded state: status, opener, participants, record count, last clock.",
        discussion: "An unknown thread has status none and 0 records."
    )

    @Argument(help: "The thread id.")
    var thread: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let state = try await DaemonClient.run { try await $0.get("/v1/threads/\(DaemonClient.percentEncoded(thread))/state") }
        if output.json {
            print(state.serialized())
            return
        }
        let opener: String
        if let id = state.value(atPath: "opener.id")?.stringValue {
            opener = "\(id) by \(state.value(atPath: "opener.actor").displayText)"
        } else {
            opener = "none"
        }
        let participants = state.value(atPath: "participants")?.arrayValue?.map(\.displayText) ?? []
        print("Thread:       \(state.value(atPath: "id").displayText)")
        print("Status:       \(state.value(atPath: "status").displayText)")
        print("Opener:       \(opener)")
        print("Participants: \(participants.isEmpty ? "none" : participants.joined(separator: ", "))")
        print("Records:      \(state.value(atPath: "record_count").displayText)")
        print("Last clock:   \(state.value(atPath: "last_clock").displayText)")
    }
}

struct ThreadRecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "Print every record of a thread in (clock, sequence) order.",
        discussion: """
            Reads all pages, however many records the thread has. With -o json the output is one \
            JSON array of record objects (so `jq 'length'` counts them and `jq -r '.[-1].id'` is the \
            newest id); as text, one line per record: clock, act, actor, id and the start of the body text.
            """
    )

    @Argument(help: "The thread id.")
    var thread: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let records = try await DaemonClient.run { try await $0.allRecords(ofThread: thread) }
        if output.json {
            print(JSONValue.array(records).serialized())
            return
        }
        for record in records {
            let fields = ["clock", "act", "actor", "id"].map { record.value(atPath: $0).displayText }
            print((fields + [Self.summary(of: record.value(atPath: "body"))]).joined(separator: " "))
        }
    }

    /// The first line of body.text (or body.goal), else the compact body, cut to 60 characters.
    static func summary(of body: JSONValue?) -> String {
        let text = body?.value(atPath: "text")?.stringValue ?? body?.value(atPath: "goal")?.stringValue
            ?? body.displayText
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return line.count > 60 ? String(line.prefix(59)) + "…" : line
    }
}
