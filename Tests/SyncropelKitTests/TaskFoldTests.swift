import Foundation
import Testing

@testable import SyncropelKit

/// The task fold without a store: aliases, every move of the lifecycle, refused moves,
/// the evaluation gate, arrival order, and a round trip through the saved form.
@Suite struct TaskFoldTests {
    static let worker = "did:example:worker"
    static let reviewer = "did:example:reviewer"

    /// A log with helpers for task records; clocks count up per thread.
    struct TaskLog {
        var log = FoldLog()
        var clocks: [String: Int64] = [:]

        @discardableResult
        mutating func add(_ act: Act, _ actor: String, _ body: JSONValue, thread: String, clock: Int64? = nil) throws -> Record {
            let next = clock ?? (clocks[thread, default: 0] + 1)
            clocks[thread] = max(clocks[thread, default: 0], next)
            return try log.add(act, actor, body, clock: next, thread: thread)
        }

        @discardableResult
        mutating func task(_ thread: String, _ goal: String = "goal", actor: String = worker, extra: JSONValue = [:]) throws -> Record {
            var body = JSONObject(["task": true, "goal": .string(goal)])
            for member in extra.objectValue?.members ?? [] { body[member.key] = member.value }
            return try add(.intend, actor, .object(body), thread: thread)
        }

        @discardableResult
        mutating func event(
            _ kind: TaskEventKind, on thread: String, actor: String = worker, text: String? = nil, extra: JSONValue = [:],
            clock: Int64? = nil
        ) throws -> Record {
            var body = JSONObject(["task_event": .string(kind.rawValue)])
            if let member = kind.textMember, let text { body[member] = .string(text) }
            if let verdict = kind.verdict { body["verdict"] = .string(verdict) }
            for member in extra.objectValue?.members ?? [] { body[member.key] = member.value }
            return try add(kind.act, actor, .object(body), thread: thread, clock: clock)
        }

        var fold: TaskFold { TaskFold.fold(log.records) }
    }

    @Test func aTaskOpensInTheInboxWithItsFields() throws {
        var log = TaskLog()
        let opener = try log.task(
            "th_a", "ship it",
            extra: [
                "priority": "high", "labels": ["code", 7, "ops"], "assignee": "@dev", "domain": "code",
                "criteria": "tests pass",
            ])
        let task = try #require(log.fold.task("SKL-0001"))
        #expect(task.id == "th_a")
        #expect(task.goal == "ship it")
        #expect(task.status == .inbox)
        #expect(task.priority == .high)
        #expect(task.labels == ["code", "ops"])
        #expect(task.assignee == "@dev")
        #expect(task.domain == "code")
        #expect(task.criteria == ["tests pass"])
        #expect(task.creator == Self.worker)
        #expect(task.opener == opener.id)
        #expect(task.parent == nil)
        #expect(task.history.isEmpty)
        #expect(log.fold.task("th_a") == task)
    }

    @Test func anIntendWithoutTaskTrueOrWithoutAGoalIsNoTask() throws {
        var log = TaskLog()
        try log.add(.intend, Self.worker, ["goal": "plain"], thread: "th_plain")
        try log.add(.intend, Self.worker, ["task": "true", "goal": "string true"], thread: "th_string")
        try log.add(.intend, Self.worker, ["task": true], thread: "th_nogoal")
        try log.add(.know, Self.worker, ["task": true, "goal": "not an intend"], thread: "th_know")
        #expect(log.fold.taskCount == 0)
        #expect(log.fold.task("SKL-0001") == nil)
    }

    @Test func malformedFieldsFallBackToTheirDefaults() throws {
        var log = TaskLog()
        try log.task("th_a", extra: ["priority": "urgent", "labels": 3, "assignee": 5, "parent": "not a thread!"])
        let task = try #require(log.fold.task("th_a"))
        #expect(task.priority == .medium)
        #expect(task.labels.isEmpty)
        #expect(task.assignee == nil)
        #expect(task.parent == nil)
    }

    @Test func aliasesCountTasksInLogOrderAndCustomOnesAreUnique() throws {
        var log = TaskLog()
        try log.task("th_1")
        try log.task("th_2", extra: ["alias": "SKL-0003"])
        try log.task("th_3")
        try log.task("th_4")
        try log.task("th_5", extra: ["alias": "SKL-0003"])
        try log.task("th_6", extra: ["alias": "th_bad"])
        try log.task("th_7", extra: ["alias": "rate-limit.v2"])
        try log.task("th_1", "second task intend on the same thread")
        let aliases = log.fold.tasks(includeClosed: true).map(\.alias)
        #expect(aliases == ["SKL-0001", "SKL-0003", "SKL-0002", "SKL-0004", "SKL-0005", "SKL-0006", "rate-limit.v2"])
        #expect(log.fold.task("SKL-0003")?.id == "th_2", "a taken custom alias falls back to the next number")
        #expect(log.fold.task("th_1")?.goal == "goal", "the first task INTEND of a thread opens it")
        #expect(TaskAlias.numbered(12345) == "SKL-12345")
    }

    @Test func theGuidesLifecycleEndsApproved() throws {
        var log = TaskLog()
        let opener = try log.task("th_a", extra: ["domain": "code"])
        try log.event(.start, on: "th_a")
        try log.event(.block, on: "th_a", text: "waiting for credentials")
        #expect(log.fold.task("th_a")?.status == .blocked)
        #expect(log.fold.task("th_a")?.reason == "waiting for credentials")
        try log.event(.start, on: "th_a")
        #expect(log.fold.task("th_a")?.reason == nil)
        try log.event(.comment, on: "th_a", actor: Self.reviewer, text: "token bucket")
        try log.event(.done, on: "th_a", text: "rate limiter added", extra: ["domain": "api"])
        let review = try #require(log.fold.task("th_a"))
        #expect(review.status == .review)
        #expect(review.worker == Self.worker)
        #expect(review.summary == "rate limiter added")
        #expect(review.domain == "api", "done's domain is the one the verdict counts in")
        try log.event(
            .approve, on: "th_a", actor: Self.reviewer, text: "tests pass",
            extra: ["subject": .string(Self.worker), "fulfills": .string(opener.id.hex)])
        let approved = try #require(log.fold.task("th_a"))
        #expect(approved.status == .approved)
        #expect(approved.history.map(\.event) == [.start, .block, .start, .comment, .done, .approve])
        #expect(approved.history.map(\.status) == [.active, .blocked, .active, .active, .review, .approved])
        #expect(approved.history.allSatisfy { $0.refusal == nil })
        #expect(approved.history[3].text == "token bucket")
        #expect(log.fold.tasks(includeClosed: false).isEmpty, "approved is closed")
        #expect(log.fold.tasks(includeClosed: true).map(\.id) == ["th_a"])
    }

    /// Every (status, event) pair: the allowed ones lead to the event's status, the others are refused.
    @Test func everyTransitionFollowsTheTable() throws {
        let table: [TaskEventKind: [TaskStatus: TaskStatus]] = [
            .start: [.inbox: .active, .blocked: .active, .deferred: .active, .rejected: .active],
            .done: [.active: .review],
            .approve: [.review: .approved],
            .reject: [.review: .rejected],
            .fail: [.active: .failed, .blocked: .failed],
            .block: [.inbox: .blocked, .active: .blocked],
            .defer: [.inbox: .deferred, .active: .deferred, .blocked: .deferred],
            .cancel: [
                .inbox: .cancelled, .active: .cancelled, .blocked: .cancelled, .deferred: .cancelled, .review: .cancelled,
                .rejected: .cancelled,
            ],
            .reopen: [.cancelled: .inbox, .failed: .inbox],
            .comment: Dictionary(uniqueKeysWithValues: TaskStatus.allCases.map { ($0, $0) }),
        ]
        for kind in TaskEventKind.allCases {
            for status in TaskStatus.allCases {
                let expected = table[kind]?[status]
                do {
                    let next = try kind.next(after: status, actor: Self.reviewer, worker: Self.worker, alias: "SKL-0001")
                    #expect(next == expected, "\(kind) after \(status)")
                } catch {
                    #expect(expected == nil, "\(kind) after \(status) was refused: \(error)")
                    #expect(error == .notAllowed(alias: "SKL-0001", event: kind, status: status))
                }
            }
        }
    }

    @Test func aRefusedMoveStaysInTheHistoryAndChangesNothing() throws {
        var log = TaskLog()
        try log.task("th_a")
        try log.event(.done, on: "th_a", text: "too early")
        try log.event(.approve, on: "th_a", actor: Self.reviewer)
        let task = try #require(log.fold.task("th_a"))
        #expect(task.status == .inbox)
        #expect(task.worker == nil)
        #expect(task.history.map(\.status) == [nil, nil])
        #expect(task.history.map(\.refusal) == [
            .notAllowed(alias: "SKL-0001", event: .done, status: .inbox),
            .notAllowed(alias: "SKL-0001", event: .approve, status: .inbox),
        ])
    }

    @Test func theWorkerCannotJudgeTheirOwnWork() throws {
        var log = TaskLog()
        try log.task("th_a")
        try log.event(.start, on: "th_a")
        try log.event(.done, on: "th_a", text: "done")
        try log.event(.approve, on: "th_a", actor: Self.worker)
        try log.event(.reject, on: "th_a", actor: Self.worker, text: "hm")
        let task = try #require(log.fold.task("th_a"))
        #expect(task.status == .review)
        #expect(task.history.suffix(2).map(\.refusal) == [
            .evaluationGate(alias: "SKL-0001", event: .approve, actor: Self.worker),
            .evaluationGate(alias: "SKL-0001", event: .reject, actor: Self.worker),
        ])
        try log.event(.approve, on: "th_a", actor: Self.reviewer)
        #expect(log.fold.task("th_a")?.status == .approved)
    }

    @Test func rejectReworkCancelAndReopen() throws {
        var log = TaskLog()
        try log.task("th_a")
        try log.event(.start, on: "th_a")
        try log.event(.done, on: "th_a", text: "first try")
        try log.event(.reject, on: "th_a", actor: Self.reviewer, text: "no tests")
        #expect(log.fold.task("th_a")?.status == .rejected)
        #expect(log.fold.task("th_a")?.reason == "no tests")
        try log.event(.start, on: "th_a")
        try log.event(.fail, on: "th_a", text: "approach does not scale")
        #expect(log.fold.task("th_a")?.status == .failed)
        try log.event(.reopen, on: "th_a", text: "new approach")
        #expect(log.fold.task("th_a")?.status == .inbox)
        try log.event(.defer, on: "th_a", text: "next quarter")
        try log.event(.cancel, on: "th_a", text: "superseded")
        #expect(log.fold.task("th_a")?.status == .cancelled)
        #expect(log.fold.task("th_a")?.reason == "superseded")
        try log.event(.reopen, on: "th_a", text: "needed after all")
        #expect(log.fold.task("th_a")?.status == .inbox)
    }

    @Test func recordsWithoutTheirRequiredTextOrWithTheWrongActAreNoTaskEvents() throws {
        var log = TaskLog()
        try log.task("th_a")
        try log.event(.start, on: "th_a")
        try log.event(.block, on: "th_a")
        try log.event(.block, on: "th_a", text: "")
        try log.add(.know, Self.worker, ["task_event": "start"], thread: "th_a")
        try log.add(.do, Self.worker, ["task_event": "explode"], thread: "th_a")
        try log.add(.do, Self.worker, ["task_event": "done", "summary": 5], thread: "th_a")
        try log.add(.know, Self.reviewer, ["task_event": "approve", "verdict": "reject"], thread: "th_a")
        let task = try #require(log.fold.task("th_a"))
        #expect(task.history.map(\.event) == [.start])
        #expect(task.status == .active)
    }

    @Test func lateRecordsLandInClockOrderAndEventsMayComeBeforeTheirTask() throws {
        var log = TaskLog()
        try log.event(.start, on: "th_a", clock: 2)
        try log.event(.done, on: "th_a", text: "done", clock: 4)
        try log.event(.block, on: "th_a", text: "late", clock: 3)
        try log.task("th_a")
        let task = try #require(log.fold.task("th_a"))
        #expect(task.history.map(\.event) == [.start, .block, .done])
        #expect(task.status == .blocked, "done at clock 4 follows the block at clock 3 and is refused")
        #expect(task.history.last?.refusal == .notAllowed(alias: "SKL-0001", event: .done, status: .blocked))
    }

    @Test func subTasksNameTheirParent() throws {
        var log = TaskLog()
        try log.task("th_parent")
        try log.task("th_child", "sub-goal", extra: ["parent": "th_parent"])
        try log.task("th_self", extra: ["parent": "th_self"])
        #expect(log.fold.task("SKL-0002")?.parent == "th_parent")
        #expect(log.fold.task("SKL-0003")?.parent == nil, "a task is not its own parent")
    }

    @Test func watermarkSkipsAndTheSavedFoldResumes() throws {
        var log = TaskLog()
        try log.task("th_a")
        try log.event(.start, on: "th_a")
        let half = TaskFold.fold(log.log.records)
        try log.task("th_b", extra: ["alias": "custom"])
        try log.event(.done, on: "th_a", text: "done")
        var resumed = try FoldLog.reloaded(half)
        #expect(resumed == half)
        for record in log.log.records { resumed.apply(record) }
        #expect(resumed == log.fold)
        #expect(resumed.watermark == 4)
        #expect(resumed.task("custom")?.id == "th_b")
        #expect(resumed.task("th_a")?.status == .review)
    }

    @Test func refusalsSayWhatIsWrongAndWhatWouldDo() {
        #expect(
            TaskRefusal.notAllowed(alias: "SKL-0001", event: .start, status: .active).description
                == "SKL-0001 is active; 'start' needs a task whose status is inbox, blocked, deferred or rejected")
        #expect(
            TaskRefusal.notAllowed(alias: "SKL-0002", event: .approve, status: .active).description
                == "SKL-0002 is active; 'approve' needs a task whose status is review")
        #expect(
            TaskRefusal.evaluationGate(alias: "SKL-0001", event: .approve, actor: Self.worker).description
                == "SKL-0001 was marked done by did:example:worker; 'approve' needs another actor (the evaluation gate):"
                + " judge it as the reviewer with --actor or SPL_ACTOR")
    }
}
