/// Every task of the instance, folded from records (the task records of docs/TASKS.md).
///
/// A task is a thread whose INTEND carries `body.task = true`; the first such INTEND
/// by arrival opens it and is given its alias: the one it asks for when that is valid and
/// free, else the next free `SKL-NNNN`, counted on this instance in log order. Records on
/// the thread with a `body.task_event` move it through `TaskEventKind`'s rules.
///
/// Status is never stored: it is replayed from the task's events in (clock, sequence)
/// order each time it is asked for, so an event that arrives late (from a replica) lands
/// in its place, and an event the rules do not allow is kept in the history but changes
/// nothing. Events that arrive before their task's INTEND wait for it.
///
/// ```swift
/// var tasks = TaskFold()
/// for stored in newRecords { tasks.apply(stored) }
/// tasks.task("SKL-0001")?.status  // .inbox
/// ```
public struct TaskFold: Sendable, Equatable, Codable {
    /// The highest `sequence` applied; records at or below it are skipped.
    public private(set) var watermark: Int64 = 0
    private var openings: [String: Opening] = [:]
    /// Task threads in the order they were opened on this instance.
    private var order: [String] = []
    private var threadByAlias: [String: String] = [:]
    private var nextNumber = 1
    private var events: [String: [Event]] = [:]

    public init() {}

    /// Folds one record; records must come in ascending `sequence`.
    public mutating func apply(_ stored: StoredRecord) {
        guard stored.sequence > watermark else { return }
        watermark = stored.sequence
        let thread = stored.record.thread
        if stored.record.act == .intend, stored.record.body["task"] == .bool(true) {
            guard openings[thread] == nil, var opening = Opening.parse(stored) else { return }
            opening.alias = assignAlias(requested: opening.alias)
            openings[thread] = opening
            threadByAlias[opening.alias] = thread
            order.append(thread)
        } else if let event = Event.parse(stored) {
            var list = events[thread, default: []]
            list.insert(event, at: list.firstIndex { event.position < $0.position } ?? list.endIndex)
            events[thread] = list
        }
    }

    /// The fold of `records`, in ascending `sequence`.
    public static func fold(_ records: some Sequence<StoredRecord>) -> TaskFold {
        var fold = TaskFold()
        for record in records { fold.apply(record) }
        return fold
    }

    /// The task whose thread id or alias is `idOrAlias`, or nil.
    public func task(_ idOrAlias: String) -> TaskState? {
        let thread = openings[idOrAlias] != nil ? idOrAlias : threadByAlias[idOrAlias]
        return thread.flatMap { thread in openings[thread].map { state(thread: thread, opening: $0) } }
    }

    /// Tasks in the order they were opened; closed ones (approved, failed, cancelled) only with `includeClosed`.
    public func tasks(includeClosed: Bool) -> [TaskState] {
        order.compactMap { thread in
            let state = state(thread: thread, opening: openings[thread]!)
            return includeClosed || !state.status.isClosed ? state : nil
        }
    }

    /// How many tasks there are, closed ones included.
    public var taskCount: Int { order.count }

    private mutating func assignAlias(requested: String) -> String {
        if TaskAlias.isValid(requested), threadByAlias[requested] == nil { return requested }
        while threadByAlias[TaskAlias.numbered(nextNumber)] != nil { nextNumber += 1 }
        defer { nextNumber += 1 }
        return TaskAlias.numbered(nextNumber)
    }

    private func state(thread: String, opening: Opening) -> TaskState {
        var status = TaskStatus.inbox
        var worker: String?
        var summary: String?
        var reason: String?
        var domain = opening.domain
        var updatedAt = opening.createdAt
        var history: [TaskHistoryEntry] = []
        for event in events[thread] ?? [] {
            let refusal: TaskRefusal?
            do {
                let next = try event.kind.next(after: status, actor: event.actor, worker: worker, alias: opening.alias)
                refusal = nil
                if event.kind != .comment {
                    reason = event.kind.requiredText == "reason" ? event.text : nil
                }
                if event.kind == .done {
                    worker = event.actor
                    summary = event.text
                    domain = event.domain ?? domain
                }
                status = next
                updatedAt = max(updatedAt, event.createdAt)
            } catch {
                refusal = error
            }
            history.append(TaskHistoryEntry(
                event: event.kind, actor: event.actor, record: event.record, createdAt: event.createdAt, text: event.text,
                status: refusal == nil ? status : nil, refusal: refusal))
        }
        return TaskState(
            id: thread, alias: opening.alias, goal: opening.goal, status: status, priority: opening.priority,
            labels: opening.labels, assignee: opening.assignee, domain: domain, criteria: opening.criteria,
            parent: opening.parent, creator: opening.actor, opener: opening.record, worker: worker, summary: summary,
            reason: reason, createdAt: opening.createdAt, updatedAt: updatedAt, history: history)
    }

    /// The fields of a task's opening INTEND, read leniently: a member of the wrong type is
    /// left at its default, since the record is signed and stored whatever it holds.
    private struct Opening: Sendable, Equatable, Codable {
        let record: RecordID
        let actor: String
        let goal: String
        /// The alias asked for (possibly empty) until the fold assigns the real one.
        var alias: String
        let priority: TaskPriority
        let labels: [String]
        let assignee: String?
        let domain: String?
        let criteria: [String]
        let parent: String?
        let createdAt: Int64

        /// Nil unless `body.goal` is non-empty text: a task without a goal is not one.
        static func parse(_ stored: StoredRecord) -> Opening? {
            let body = stored.record.body
            guard let goal = TaskFold.nonEmptyText(body["goal"]) else { return nil }
            let parent = TaskFold.nonEmptyText(body["parent"]).flatMap { parent in
                (try? RecordRules.checkThread(parent)) != nil && parent != stored.record.thread ? parent : nil
            }
            return Opening(
                record: stored.record.id, actor: stored.record.actor, goal: goal,
                alias: TaskFold.nonEmptyText(body["alias"]) ?? "",
                priority: body["priority"]?.stringValue.flatMap(TaskPriority.init(rawValue:)) ?? .default,
                labels: TaskFold.texts(body["labels"]), assignee: TaskFold.nonEmptyText(body["assignee"]),
                domain: TaskFold.nonEmptyText(body["domain"]), criteria: TaskFold.texts(body["criteria"]), parent: parent,
                createdAt: stored.createdAt)
        }
    }

    /// One task record of a thread, checked for its kind's act, verdict and text.
    private struct Event: Sendable, Equatable, Codable {
        let kind: TaskEventKind
        let actor: String
        let record: RecordID
        let position: LogPosition
        let createdAt: Int64
        let text: String?
        let domain: String?

        static func parse(_ stored: StoredRecord) -> Event? {
            let record = stored.record
            guard let name = record.body["task_event"]?.stringValue, let kind = TaskEventKind(rawValue: name),
                record.act == kind.act
            else { return nil }
            if let verdict = kind.verdict, record.body["verdict"]?.stringValue != verdict { return nil }
            let text = kind.textMember.flatMap { TaskFold.nonEmptyText(record.body[$0]) }
            if kind.requiredText != nil, text == nil { return nil }
            return Event(
                kind: kind, actor: record.actor, record: record.id, position: LogPosition(stored),
                createdAt: stored.createdAt, text: text, domain: TaskFold.nonEmptyText(record.body["domain"]))
        }
    }

    private static func nonEmptyText(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    /// A list of strings, or one string as a list of one; other items are left out.
    private static func texts(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text)? where !text.isEmpty: [text]
        case .array(let items)?: items.compactMap { nonEmptyText($0) }
        default: []
        }
    }
}
