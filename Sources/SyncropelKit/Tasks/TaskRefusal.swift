/// Why an event may not happen to a task in its present state.
///
/// `description` is the one-line operator message `spl task` prints before it writes anything.
public enum TaskRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The event does not follow the task's status.
    case notAllowed(alias: String, event: TaskEventKind, status: TaskStatus)
    /// The actor who did the work would judge it.
    case evaluationGate(alias: String, event: TaskEventKind, actor: String)

    public var description: String {
        switch self {
        case let .notAllowed(alias, event, status):
            let allowed = event.allowedFrom.map(\.rawValue)
            let list = allowed.count > 1 ? allowed.dropLast().joined(separator: ", ") + " or " + allowed.last! : allowed[0]
            return "\(alias) is \(status.rawValue); '\(event.rawValue)' needs a task whose status is \(list)"
        case let .evaluationGate(alias, event, actor):
            return "\(alias) was marked done by \(actor); '\(event.rawValue)' needs another actor (the evaluation gate):"
                + " judge it as the reviewer with --actor or SPL_ACTOR"
        }
    }
}
