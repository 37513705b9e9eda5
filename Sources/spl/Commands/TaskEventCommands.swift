import ArgumentParser
import SyncropelKit

/// One task record: the move is checked against the task's present state by the fold's
/// own rules (`TaskEventKind.next`), and written only when it is allowed.
struct TaskEventWrite {
    let kind: TaskEventKind
    let task: String
    /// The summary, reason, notes or comment, in the member the kind names.
    var text: String?
    var domain: String?
    let options: TaskWriteOptions

    func run() async throws {
        let actor = try options.actingActor()
        let (before, after, record) = try await DaemonClient.run { client in
            let before = try await client.task(task)
            _ = try kind.next(after: before.status, actor: actor, worker: before.worker, alias: before.alias)
            let record = try await client.write(kind.act, actor: actor, body: body(for: before), thread: before.id)
            return (before, try await client.task(before.id), record)
        }
        if options.output.json {
            print(after.json.serialized())
        } else if kind == .comment {
            print("✓ comment on \(after.alias) (record \(record.value(atPath: "id").displayText))")
        } else if let verdict = kind.verdict, let worker = before.worker {
            print("✓ \(after.alias) \(before.status.rawValue) → \(after.status.rawValue) (verdict \(verdict) on \(worker) in \(verdictDomain(before)))")
        } else {
            print("✓ \(after.alias) \(before.status.rawValue) → \(after.status.rawValue)")
        }
    }

    /// A verdict is trust evidence (SPEC 9.2) about the worker in the task's domain; an
    /// approval also fulfils the task's INTEND, which closes its thread.
    private func body(for task: FetchedTask) -> JSONObject {
        var body = JSONObject(["task_event": .string(kind.rawValue)])
        if let member = kind.textMember, let text { body[member] = .string(text) }
        if let verdict = kind.verdict, let worker = task.worker {
            body["verdict"] = .string(verdict)
            body["subject"] = .string(worker)
            body["domain"] = .string(verdictDomain(task))
            if kind == .approve { body["fulfills"] = .string(task.opener) }
        } else if let domain {
            body["domain"] = .string(domain)
        }
        return body
    }

    private func verdictDomain(_ task: FetchedTask) -> String {
        domain ?? task.domain ?? TrustFold.defaultDomain
    }
}

/// The task argument every move takes.
struct TaskArgument: ParsableArguments {
    @Argument(help: "The task: its alias (SKL-0001) or thread id.")
    var task: String
}

struct TaskStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start (or resume) work on a task: inbox, blocked, deferred or rejected → active.")

    @OptionGroup var target: TaskArgument
    @OptionGroup var write: TaskWriteOptions

    func run() async throws {
        try await TaskEventWrite(kind: .start, task: target.task, options: write).run()
    }
}

struct TaskDoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "done",
        abstract: "Claim a task done with a summary: active → review.",
        discussion: "Whoever marks it done is its worker: another actor judges it with approve or reject.")

    @OptionGroup var target: TaskArgument

    @Option(help: "What was done.")
    var summary: String

    @Option(help: "The trust domain the verdict will count in (default: the task's, else general).")
    var domain: String?

    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        try requireText(summary, option: "--summary")
        if let domain { try requireText(domain, option: "--domain") }
    }

    func run() async throws {
        try await TaskEventWrite(kind: .done, task: target.task, text: summary, domain: domain, options: write).run()
    }
}

struct TaskApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a task in review: review → approved, a verdict accept on its worker.",
        discussion: "Refused when the acting actor is the one who marked it done (the evaluation gate).")

    @OptionGroup var target: TaskArgument

    @Option(help: "What the reviewer checked.")
    var notes: String?

    @Option(help: "The trust domain the verdict counts in (default: the task's, else general).")
    var domain: String?

    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        if let domain { try requireText(domain, option: "--domain") }
    }

    func run() async throws {
        try await TaskEventWrite(kind: .approve, task: target.task, text: notes, domain: domain, options: write).run()
    }
}

struct TaskRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a task in review: review → rejected, a verdict reject on its worker.",
        discussion: "Refused when the acting actor is the one who marked it done. 'spl task start' resumes the rework.")

    @OptionGroup var target: TaskArgument

    @Option(help: "What needs rework.")
    var reason: String

    @Option(help: "The trust domain the verdict counts in (default: the task's, else general).")
    var domain: String?

    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        try requireText(reason, option: "--reason")
        if let domain { try requireText(domain, option: "--domain") }
    }

    func run() async throws {
        try await TaskEventWrite(kind: .reject, task: target.task, text: reason, domain: domain, options: write).run()
    }
}

/// A move whose only input is a reason: fail, block, defer, cancel, reopen.
struct TaskReasonOptions: ParsableArguments {
    @OptionGroup var target: TaskArgument

    @Option(help: "Why; kept in the task's history.")
    var reason: String

    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        try requireText(reason, option: "--reason")
    }

    func record(_ kind: TaskEventKind) async throws {
        try await TaskEventWrite(kind: kind, task: target.task, text: reason, options: write).run()
    }
}

struct TaskFailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fail", abstract: "Mark a task failed, the approach did not work: active or blocked → failed.")

    @OptionGroup var options: TaskReasonOptions

    func run() async throws { try await options.record(.fail) }
}

struct TaskBlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block", abstract: "Block a task on something: inbox or active → blocked; 'start' resumes it.")

    @OptionGroup var options: TaskReasonOptions

    func run() async throws { try await options.record(.block) }
}

struct TaskDeferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "defer", abstract: "Put a task off: inbox, active or blocked → deferred; 'start' resumes it.")

    @OptionGroup var options: TaskReasonOptions

    func run() async throws { try await options.record(.defer) }
}

struct TaskCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a task that is not approved, failed or cancelled: → cancelled.")

    @OptionGroup var options: TaskReasonOptions

    func run() async throws { try await options.record(.cancel) }
}

struct TaskReopenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reopen", abstract: "Reopen a cancelled or failed task: → inbox.")

    @OptionGroup var options: TaskReasonOptions

    func run() async throws { try await options.record(.reopen) }
}

struct TaskCommentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment", abstract: "Add a comment to a task's history; its status does not change.")

    @OptionGroup var target: TaskArgument

    @Argument(help: "The comment.")
    var text: String

    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        try requireText(text, option: "the comment")
    }

    func run() async throws {
        try await TaskEventWrite(kind: .comment, task: target.task, text: text, options: write).run()
    }
}
