/// What a record on a task's thread does to the task: the `body.task_event` wire strings.
///
/// Each kind has one act, the statuses it may follow, the status it leads to, and the body
/// member whose text it must carry. `next(after:actor:worker:alias:)` is the one place
/// these rules live: the fold replays records through it, and the CLI asks it before writing.
public enum TaskEventKind: String, Sendable, Codable, CaseIterable {
    case start
    case done
    case approve
    case reject
    case fail
    case block
    case `defer`
    case cancel
    case reopen
    case comment

    /// Work is a DO; judgements, decisions and notes are KNOWs.
    public var act: Act {
        switch self {
        case .start, .done: .do
        default: .know
        }
    }

    /// The body member that must hold non-empty text, if any.
    public var requiredText: String? {
        switch self {
        case .done: "summary"
        case .reject, .fail, .block, .defer, .cancel, .reopen: "reason"
        case .comment: "text"
        case .start, .approve: nil
        }
    }

    /// The body member that may hold text the task keeps (approve's notes).
    public var textMember: String? {
        requiredText ?? (self == .approve ? "notes" : nil)
    }

    /// `accept` or `reject` for the two verdicts, which the trust fold counts.
    public var verdict: String? {
        switch self {
        case .approve: "accept"
        case .reject: "reject"
        default: nil
        }
    }

    /// The statuses this event may follow; a comment may follow any.
    public var allowedFrom: [TaskStatus] {
        switch self {
        case .start: [.inbox, .blocked, .deferred, .rejected]
        case .done: [.active]
        case .approve, .reject: [.review]
        case .fail: [.active, .blocked]
        case .block: [.inbox, .active]
        case .defer: [.inbox, .active, .blocked]
        case .cancel: [.inbox, .active, .blocked, .deferred, .review, .rejected]
        case .reopen: [.cancelled, .failed]
        case .comment: TaskStatus.allCases
        }
    }

    /// The status after the event; nil for a comment, which changes none.
    public var target: TaskStatus? {
        switch self {
        case .start: .active
        case .done: .review
        case .approve: .approved
        case .reject: .rejected
        case .fail: .failed
        case .block: .blocked
        case .defer: .deferred
        case .cancel: .cancelled
        case .reopen: .inbox
        case .comment: nil
        }
    }

    /// The status this event by `actor` leads to from `status`, or why it may not happen.
    ///
    /// `worker` is the actor whose `done` put the task in review: a verdict by that same
    /// actor is refused (the evaluation gate), as the trust fold would not count it either.
    public func next(after status: TaskStatus, actor: String, worker: String?, alias: String) throws(TaskRefusal) -> TaskStatus {
        guard allowedFrom.contains(status) else {
            throw TaskRefusal.notAllowed(alias: alias, event: self, status: status)
        }
        if verdict != nil, let worker, worker.codePointCompare(actor) == 0 {
            throw TaskRefusal.evaluationGate(alias: alias, event: self, actor: actor)
        }
        return target ?? status
    }
}
