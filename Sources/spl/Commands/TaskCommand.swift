import ArgumentParser
import SyncropelKit

/// `spl task …`: tasks, threads with a goal and a lifecycle folded from their records (docs/TASKS.md).
struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Add, move through their lifecycle, judge and list tasks.",
        discussion: """
            A task is a thread opened by an INTEND with body.task = true, known by its alias \
            (SKL-0001, SKL-0002… in the order tasks were added here) or its thread id. Its status \
            is folded from its records: inbox → active → review → approved or rejected; also \
            blocked, deferred, failed and cancelled. A task in review is judged by another actor \
            than the one who marked it done; the verdict counts in 'spl trust'. Every command \
            checks the move before it writes.
            """,
        subcommands: [
            TaskAddCommand.self, TaskListCommand.self, TaskShowCommand.self, TaskTreeCommand.self,
            TaskStartCommand.self, TaskDoneCommand.self, TaskApproveCommand.self, TaskRejectCommand.self,
            TaskFailCommand.self, TaskBlockCommand.self, TaskDeferCommand.self, TaskCancelCommand.self,
            TaskReopenCommand.self, TaskCommentCommand.self, TaskPlanCommand.self,
        ]
    )
}

extension TaskPriority: ExpressibleByArgument {}

/// Who writes a task record, and how the task is printed afterwards.
struct TaskWriteOptions: ParsableArguments {
    @Option(help: "The actor DID that writes (default: SPL_ACTOR, else [identity] actor of config.toml).")
    var actor: String?

    @OptionGroup var output: OutputOptions

    /// `--actor`, else `SPL_ACTOR`, else the home's actor.
    func actingActor() throws -> String {
        try CommandEnvironment.actor(override: actor, home: try CommandEnvironment.home())
    }
}

/// A text option that must say something: an empty one is a usage error (exit 64).
func requireText(_ text: String, option: String) throws {
    guard !text.allSatisfy(\.isWhitespace) else {
        throw ValidationError("\(option) must not be empty")
    }
}
