/// Why `spl task` refused before writing anything; `description` is the one-line operator message (exit 1).
enum TaskCommandError: Error, CustomStringConvertible {
    /// No task has this alias or thread id.
    case noSuchTask(String)
    /// `--alias` names an alias another task already has.
    case aliasTaken(alias: String, thread: String)

    var description: String {
        switch self {
        case let .noSuchTask(idOrAlias):
            return "no task \(idOrAlias) on this instance; 'spl task list --all' lists every task"
        case let .aliasTaken(alias, thread):
            return "alias \(alias) is taken by task \(thread); choose another --alias"
        }
    }
}
