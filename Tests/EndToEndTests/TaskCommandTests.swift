import Foundation
import Testing

/// `spl task …` against a real daemon: the public task-management guide's commands in order,
/// the refusals (each before anything is written), `GET /v1/tasks`, and tasks through a backup
/// and restore (docs/TASKS.md).
@Suite(.serialized, .timeLimit(.minutes(5))) struct TaskCommandTests {
    static let me = "did:sync:user:tester"
    static let reviewer = "did:sync:agent:reviewer"
    static let thread = #"th_[0-9a-f]{64}"#

    /// Runs `spl …` (with `environment` added), requires exit 0 and an empty stderr, and returns stdout.
    @discardableResult
    func ok(
        _ fixture: DaemonFixture, _ arguments: [String], environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let result = try await fixture.spl.run(arguments, timeout: 30, extraEnvironment: environment)
        #expect(result.status == 0, "spl \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr == "", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Runs `spl …` and requires it to fail with `status` and exactly `stderr`, writing nothing.
    func refused(
        _ fixture: DaemonFixture, _ arguments: [String], status: Int32 = 1, stderr: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try await recordCount(fixture)
        let result = try await fixture.cli(arguments)
        #expect(result.status == status, "spl \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr == stderr, sourceLocation: sourceLocation)
        #expect(result.stdout == "", sourceLocation: sourceLocation)
        #expect(try await recordCount(fixture) == before, "a refused command wrote a record", sourceLocation: sourceLocation)
    }

    func recordCount(_ fixture: DaemonFixture) async throws -> Int {
        try #require(try await fixture.httpJSON("GET", "/health").object["records"] as? Int)
    }

    /// `spl task show ID -o json`.
    func task(_ fixture: DaemonFixture, _ id: String) async throws -> [String: Any] {
        let text = try await ok(fixture, ["task", "show", id, "-o", "json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func status(_ fixture: DaemonFixture, _ id: String) async throws -> String? {
        try await task(fixture, id)["status"] as? String
    }

    /// `spl trust -o json` as (actor, domain, successes, total) rows.
    func trust(_ fixture: DaemonFixture) async throws -> [[String]] {
        let text = try await ok(fixture, ["trust", "-o", "json"])
        let list = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let rows = try #require(list?["data"] as? [[String: Any]], "\(text)")
        return rows.map { row in ["actor", "domain", "successes", "total"].map { "\(row[$0] ?? "-")" } }
    }

    func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func theTaskManagementGuideRunsInOrder() async throws {
        let fixture = try DaemonFixture()
        defer { fixture.tearDown() }
        _ = try await fixture.serveReady()
        let asReviewer = ["SPL_ACTOR": Self.reviewer]

        // Creating tasks.
        let added = try await ok(
            fixture, ["task", "add", "Implement rate limiting for the API", "--priority", "high", "--label", "code", "--domain", "code"])
        let addedLine = try #require(added.wholeMatch(of: #/✓ SKL-0001 added \((th_[0-9a-f]{64})\): Implement rate limiting for the API\n/#), "\(added)")
        let first = String(addedLine.output.1)
        #expect(try await status(fixture, "SKL-0001") == "inbox")
        #expect(lines(try await ok(fixture, ["task", "list"])) == [
            "ID        STATUS  PRI   GOAL                                 ASSIGN",
            "SKL-0001  inbox   high  Implement rate limiting for the API  -",
        ])

        // The lifecycle, with a block on the way.
        #expect(try await ok(fixture, ["task", "start", "SKL-0001"]) == "✓ SKL-0001 inbox → active\n")
        #expect(try await ok(fixture, ["task", "block", "SKL-0001", "--reason", "Waiting for API credentials"]) == "✓ SKL-0001 active → blocked\n")
        #expect(try await task(fixture, "SKL-0001")["reason"] as? String == "Waiting for API credentials")
        #expect(try await ok(fixture, ["task", "start", first]) == "✓ SKL-0001 blocked → active\n")
        #expect(
            try await ok(fixture, ["task", "done", "SKL-0001", "--summary", "Added rate limiter with sliding window"])
                == "✓ SKL-0001 active → review\n")
        #expect(try await task(fixture, "SKL-0001")["worker"] as? String == Self.me)

        // The evaluation gate: the worker may not approve their own work.
        try await refused(
            fixture, ["task", "approve", "SKL-0001"],
            stderr: "Error: SKL-0001 was marked done by \(Self.me); 'approve' needs another actor (the evaluation gate):"
                + " judge it as the reviewer with --actor or SPL_ACTOR\n")
        #expect(try await status(fixture, "SKL-0001") == "review")
        #expect(
            try await ok(fixture, ["task", "approve", "SKL-0001", "--notes", "Logic correct, tests pass"], environment: asReviewer)
                == "✓ SKL-0001 review → approved (verdict accept on \(Self.me) in code)\n")
        #expect(try await trust(fixture) == [[Self.me, "code", "1", "1"]])
        let thread = try await fixture.httpJSON("GET", "/v1/threads/\(first)/state")
        #expect(thread.object["status"] as? String == "closed", "an approval fulfils the task's INTEND")

        // The reject path: a verdict reject, then rework.
        try await ok(fixture, ["task", "add", "Add input validation to the signup form", "--domain", "code"])
        try await ok(fixture, ["task", "start", "SKL-0002"])
        try await ok(fixture, ["task", "done", "SKL-0002", "--summary", "Email format checked"])
        #expect(
            try await ok(fixture, ["task", "reject", "SKL-0002", "--reason", "No tests", "--actor", Self.reviewer])
                == "✓ SKL-0002 review → rejected (verdict reject on \(Self.me) in code)\n")
        #expect(try await trust(fixture) == [[Self.me, "code", "1", "2"]])
        #expect(try await ok(fixture, ["task", "start", "SKL-0002"]) == "✓ SKL-0002 rejected → active\n")

        // Cancel, then reopen.
        #expect(
            try await ok(fixture, ["task", "cancel", "SKL-0002", "--reason", "Superseded by new approach"])
                == "✓ SKL-0002 active → cancelled\n")
        #expect(try await ok(fixture, ["task", "list"]) == "no open tasks; 'spl task list --all' includes closed ones\n")
        #expect(lines(try await ok(fixture, ["task", "list", "--all"])).map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == [
            "ID STATUS", "SKL-0001 approved", "SKL-0002 cancelled",
        ])
        #expect(
            try await ok(fixture, ["task", "reopen", "SKL-0002", "--reason", "New approach available"]) == "✓ SKL-0002 cancelled → inbox\n")

        // Sub-tasks and the tree.
        let planned = try await ok(fixture, ["task", "plan", "SKL-0002", "Design the validation rules"])
        #expect(planned.wholeMatch(of: #/✓ SKL-0003 planned under SKL-0002 \(th_[0-9a-f]{64}\): Design the validation rules\n/#) != nil, "\(planned)")
        try await ok(fixture, ["task", "plan", "SKL-0002", "Add integration tests", "--priority", "low"])
        try await ok(fixture, ["task", "plan", "SKL-0003", "List the fields"])
        let second = try #require(try await task(fixture, "SKL-0002")["id"] as? String)
        #expect(try await task(fixture, "SKL-0003")["parent"] as? String == second)
        #expect(lines(try await ok(fixture, ["task", "tree", "SKL-0002"])) == [
            "SKL-0002  inbox  medium  Add input validation to the signup form",
            "├─ SKL-0003  inbox  medium  Design the validation rules",
            "│  └─ SKL-0005  inbox  medium  List the fields",
            "└─ SKL-0004  inbox  low  Add integration tests",
        ])

        // Comments change no status and land in the history.
        let comment = try await ok(fixture, ["task", "comment", "SKL-0002", "Discussed with team, decided on a schema"])
        #expect(comment.wholeMatch(of: #/✓ comment on SKL-0002 \(record [0-9a-f]{64}\)\n/#) != nil, "\(comment)")
        let history = try #require(try await task(fixture, "SKL-0002")["history"] as? [[String: Any]])
        #expect(history.map { "\($0["event"] ?? "") \($0["status"] ?? "")" } == [
            "start active", "done review", "reject rejected", "start active", "cancel cancelled", "reopen inbox", "comment inbox",
        ])
        #expect(history.last?["text"] as? String == "Discussed with team, decided on a schema")
        let shown = lines(try await ok(fixture, ["task", "show", "SKL-0002"]))
        #expect(shown.prefix(4) == [
            "Task:      SKL-0002 (\(second))",
            "Goal:      Add input validation to the signup form", "Status:    inbox", "Priority:  medium",
        ])
        #expect(shown.contains("History:"), "\(shown)")
        #expect(shown.contains { $0.wholeMatch(of: #/  \S+Z  reject   did:sync:agent:reviewer  → rejected  "No tests"/#) != nil }, "\(shown)")
        #expect(shown.last?.wholeMatch(of: #/  \S+Z  comment  did:sync:user:tester     → inbox  "Discussed with team, decided on a schema"/#) != nil, "\(shown)")

        // HTTP reads the same fold.
        let open = try await fixture.httpJSON("GET", "/v1/tasks")
        #expect((open.object["data"] as? [[String: Any]])?.map { $0["alias"] as? String } == ["SKL-0002", "SKL-0003", "SKL-0004", "SKL-0005"])
        #expect((open.object["data"] as? [[String: Any]])?.first?["history"] == nil, "list items leave the history out")
        let all = try await fixture.httpJSON("GET", "/v1/tasks?all=true")
        #expect((all.object["data"] as? [Any])?.count == 5)
        let one = try await fixture.httpJSON("GET", "/v1/tasks/SKL-0001")
        #expect(one.status == 200)
        #expect(one.object["status"] as? String == "approved")
        #expect(one.object["domain"] as? String == "code")
        #expect(try await fixture.httpJSON("GET", "/v1/tasks/\(first)").object["alias"] as? String == "SKL-0001")
        let missing = try await fixture.httpJSON("GET", "/v1/tasks/SKL-0099")
        #expect(missing.status == 404)
        #expect(missing.object["message"] as? String == "no task SKL-0099")
        let badFlag = try await fixture.httpJSON("GET", "/v1/tasks?all=yes")
        #expect(badFlag.status == 400)
        #expect(badFlag.object["message"] as? String == "all must be true or false")
        #expect(try await fixture.http("POST", "/v1/tasks", json: "{}").status == 405)
    }

    @Test func refusalsComeBeforeAnythingIsWritten() async throws {
        let fixture = try DaemonFixture()
        defer { fixture.tearDown() }
        _ = try await fixture.serveReady()
        try await ok(fixture, ["task", "add", "Write the report", "--alias", "report"])

        try await refused(
            fixture, ["task", "done", "report", "--summary", "too early"],
            stderr: "Error: report is inbox; 'done' needs a task whose status is active\n")
        try await refused(
            fixture, ["task", "reopen", "report", "--reason", "r"],
            stderr: "Error: report is inbox; 'reopen' needs a task whose status is cancelled or failed\n")
        try await refused(
            fixture, ["task", "show", "SKL-0099"],
            stderr: "Error: no task SKL-0099 on this instance; 'spl task list --all' lists every task\n")
        try await refused(
            fixture, ["task", "start", "SKL-0099"],
            stderr: "Error: no task SKL-0099 on this instance; 'spl task list --all' lists every task\n")
        let report = try #require(try await task(fixture, "report")["id"] as? String)
        try await refused(
            fixture, ["task", "add", "Another", "--alias", "report"],
            stderr: "Error: alias report is taken by task \(report); choose another --alias\n")

        // Usage errors exit 64, as ArgumentParser's own do.
        let usage: [([String], String)] = [
            (["task", "block", "report", "--reason", "  "], "Error: --reason must not be empty"),
            (["task", "block", "report"], "Error: Missing expected argument '--reason <reason>'"),
            (["task", "done", "report"], "Error: Missing expected argument '--summary <summary>'"),
            (["task", "add", "x", "--priority", "urgent"],
             "Error: The value 'urgent' is invalid for '--priority <priority>'. Please provide one of 'critical', 'high', 'medium' or 'low'."),
            (["task", "add", "x", "--alias", "SKL_1"],
             "Error: --alias SKL_1 is not an alias: a letter, then letters, digits, '.' or '-', at most 64 bytes"),
            (["task", "add", "x", "--assign", "dev"], "Error: --assign dev is not an actor: use @name or a DID (did:…)"),
            (["task", "add", " "], "Error: the goal must not be empty"),
            (["task", "comment", "report", ""], "Error: the comment must not be empty"),
        ]
        for (arguments, firstLine) in usage {
            let result = try await fixture.cli(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").first.map(String.init) == firstLine, "\(arguments)")
        }
        #expect(try await recordCount(fixture) == 4, "the bootstrap record, the admin account and token, and the one task")

        // A client that does not check (here raw HTTP) can store a move the lifecycle does not
        // allow: the record is kept, the fold marks it refused, and the task does not move.
        let raw = #"{"act":"DO","actor":"did:example:raw","body":{"task_event":"done","summary":"skipped ahead"},"#
            + #""clock":50,"data_type":"SCALAR","parents":[],"thread":"\#(report)"}"#
        #expect(try await fixture.http("POST", "/v1/records", json: raw).status == 201)
        let after = try await task(fixture, "report")
        #expect(after["status"] as? String == "inbox")
        #expect(after["worker"] is NSNull)
        let entry = try #require((after["history"] as? [[String: Any]])?.last)
        #expect(entry["event"] as? String == "done")
        #expect(entry["status"] is NSNull)
        #expect(entry["refused"] as? String == "report is inbox; 'done' needs a task whose status is active")
        #expect(try await ok(fixture, ["task", "start", "report"]) == "✓ report inbox → active\n")
    }

    @Test func tasksSurviveABackupAndRestoreBecauseTheyAreRecords() async throws {
        let fixture = try DaemonFixture()
        defer { fixture.tearDown() }
        _ = try await fixture.serveReady()
        try await ok(fixture, ["task", "add", "Ship the report", "--domain", "docs", "--label", "q4"])
        try await ok(fixture, ["task", "start", "SKL-0001"])
        try await ok(fixture, ["task", "done", "SKL-0001", "--summary", "Shipped"])
        try await ok(fixture, ["task", "approve", "SKL-0001", "--actor", Self.reviewer])
        try await ok(fixture, ["task", "add", "Review the budget", "--alias", "budget"])
        try await ok(fixture, ["task", "block", "budget", "--reason", "Waiting for numbers"])
        let before = try await ok(fixture, ["task", "list", "--all", "-o", "json"])

        let backup = try await ok(fixture, ["backup", "now", "-o", "json"])
        let path = try #require((try JSONSerialization.jsonObject(with: Data(backup.utf8)) as? [String: Any])?["path"] as? String)
        try await ok(fixture, ["task", "add", "Written after the backup"])
        #expect(try await fixture.stopDaemon().status == 0)
        #expect(try await fixture.cli(["backup", "restore", path, "--yes"]).status == 0)
        _ = try await fixture.serveReady()

        #expect(try await ok(fixture, ["task", "list", "--all", "-o", "json"]) == before)
        #expect(try await status(fixture, "budget") == "blocked")
        #expect(try await trust(fixture) == [[Self.me, "docs", "1", "1"]])
        let next = try await ok(fixture, ["task", "add", "After the restore"])
        #expect(next.hasPrefix("✓ SKL-0002 added ("), "aliases are counted from the restored records: \(next)")
    }
}
