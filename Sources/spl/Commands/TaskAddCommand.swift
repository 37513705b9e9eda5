import ArgumentParser
import SyncropelKit

/// The fields of a new task, as `add` and `plan` take them.
struct TaskFieldOptions: ParsableArguments {
    @Option(help: "critical, high, medium or low.")
    var priority: TaskPriority = .default

    @Option(name: .customLong("label"), help: "A label; repeat for several.")
    var labels: [String] = []

    @Option(help: "Whom the task is for: @name or a DID.")
    var assign: String?

    @Option(help: "The task's alias (default: the next free SKL-NNNN).")
    var alias: String?

    @Option(help: "The trust domain verdicts on the task count in (default: general).")
    var domain: String?

    @Option(name: .customLong("criteria"), help: "A success criterion; repeat for several.")
    var criteria: [String] = []

    func validate() throws {
        if let alias, !TaskAlias.isValid(alias) {
            throw ValidationError(
                "--alias \(alias) is not an alias: a letter, then letters, digits, '.' or '-', at most \(TaskAlias.maxBytes) bytes")
        }
        if let assign, !Self.isAssignee(assign) {
            throw ValidationError("--assign \(assign) is not an actor: use @name or a DID (did:…)")
        }
        for label in labels { try requireText(label, option: "--label") }
        for criterion in criteria { try requireText(criterion, option: "--criteria") }
        if let domain { try requireText(domain, option: "--domain") }
    }

    /// `@` and a name of letters, digits, `.`, `_` or `-`, or a DID.
    private static func isAssignee(_ text: String) -> Bool {
        if text.hasPrefix("@") {
            let name = text.dropFirst()
            return !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }
        return (try? RecordRules.checkActor(text)) != nil
    }

    /// Adds the task as `actor` on a new thread, under `parent` when given; the task as the daemon folded it.
    func add(goal: String, parent: String?, actor: String, client: DaemonClient) async throws -> FetchedTask {
        if let alias, let holder = try await client.findTask(alias) {
            throw TaskCommandError.aliasTaken(alias: alias, thread: holder.id)
        }
        var body = JSONObject(["task": true, "goal": .string(goal), "priority": .string(priority.rawValue)])
        if !labels.isEmpty { body["labels"] = .array(labels.map(JSONValue.string)) }
        if let assign { body["assignee"] = .string(assign) }
        if let domain { body["domain"] = .string(domain) }
        if !criteria.isEmpty { body["criteria"] = .array(criteria.map(JSONValue.string)) }
        if let alias { body["alias"] = .string(alias) }
        if let parent { body["parent"] = .string(parent) }
        let thread = IntendCommand.mintThread()
        _ = try await client.write(.intend, actor: actor, body: body, thread: thread)
        return try await client.task(thread)
    }
}

struct TaskAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a task: an INTEND with body.task = true on a new thread, status inbox.",
        discussion: "Prints the task's alias and thread id; either names the task in the other commands."
    )

    @Argument(help: "What the task is to achieve (body.goal).")
    var goal: String

    @OptionGroup var fields: TaskFieldOptions
    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        try requireText(goal, option: "the goal")
    }

    func run() async throws {
        let actor = try write.actingActor()
        let task = try await DaemonClient.run { try await fields.add(goal: goal, parent: nil, actor: actor, client: $0) }
        if write.output.json {
            print(task.json.serialized())
        } else {
            print("✓ \(task.alias) added (\(task.id)): \(goal)")
        }
    }
}

struct TaskPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Add a sub-task under a task (body.parent names the parent's thread).",
        discussion: "'spl task tree PARENT' shows the parent with its sub-tasks."
    )

    @Argument(help: "The parent task: its alias or thread id.")
    var parent: String

    @Argument(help: "What the sub-task is to achieve.")
    var goal: String

    @OptionGroup var fields: TaskFieldOptions
    @OptionGroup var write: TaskWriteOptions

    func validate() throws {
        try requireText(goal, option: "the goal")
    }

    func run() async throws {
        let actor = try write.actingActor()
        let (parentTask, task) = try await DaemonClient.run { client in
            let parentTask = try await client.task(parent)
            return (parentTask, try await fields.add(goal: goal, parent: parentTask.id, actor: actor, client: client))
        }
        if write.output.json {
            print(task.json.serialized())
        } else {
            print("✓ \(task.alias) planned under \(parentTask.alias) (\(task.id)): \(goal)")
        }
    }
}
