import ArgumentParser
import SyncropelKit

struct TaskListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List open tasks in the order they were added (--all adds approved, failed and cancelled ones).",
        discussion: "-o json prints the answer of GET /v1/tasks.")

    @Flag(help: "Include approved, failed and cancelled tasks.")
    var all = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await DaemonClient.run { try await $0.getList(all ? "/v1/tasks?all=true" : "/v1/tasks") }
        if output.json {
            print(answer.answer.serialized())
        } else if answer.data.isEmpty {
            print(all ? "no tasks yet; add one with 'spl task add \"goal\"'" : "no open tasks; 'spl task list --all' includes closed ones")
        } else {
            TextTable(
                header: ["ID", "STATUS", "PRI", "GOAL", "ASSIGN"],
                rows: answer.data.map { task in
                    [
                        task.value(atPath: "alias").displayText, task.value(atPath: "status").displayText,
                        task.value(atPath: "priority").displayText, TaskText.shortened(task.value(atPath: "goal").displayText),
                        task.value(atPath: "assignee").displayText,
                    ]
                }
            ).print()
        }
    }
}

struct TaskShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a task: its fields, status, worker, and every task record of its thread.",
        discussion: "A record the lifecycle did not allow (from a client that did not check) is listed as refused.")

    @OptionGroup var target: TaskArgument
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let task = try await DaemonClient.run { try await $0.task(target.task) }
        if output.json {
            print(task.json.serialized())
        } else {
            TaskText.details(task.json).forEach { print($0) }
        }
    }
}

struct TaskTreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Show a task with its sub-tasks ('spl task plan'), and theirs, as a tree.",
        discussion: "-o json prints the task with a children array in each node.")

    @OptionGroup var target: TaskArgument
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let (root, all) = try await DaemonClient.run { client in
            (try await client.task(target.task), try await client.getList("/v1/tasks?all=true").data)
        }
        let tree = TaskTree(root: root.json, tasks: all)
        if output.json {
            print(tree.jsonValue.serialized())
        } else {
            tree.lines.forEach { print($0) }
        }
    }
}
