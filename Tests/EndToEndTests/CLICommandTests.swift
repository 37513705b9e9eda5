import Foundation
import Testing

/// The operator commands that talk to a running daemon over run/spl.sock: status, the four
/// emit commands, thread, record show, trust and config (SPEC 6).
@Suite(.serialized) struct CLICommandTests {
    static let hex64 = #"[0-9a-f]{64}"#

    /// Runs `body` against a ready daemon in a scratch home, and always tears it down.
    func withDaemon(_ body: (DaemonFixture) async throws -> Void) async throws {
        let fixture = try DaemonFixture()
        defer { fixture.tearDown() }
        _ = try await fixture.serveReady()
        try await body(fixture)
    }

    /// Runs `arguments`, requires exit 0 and an empty stderr, and returns stdout.
    func ok(_ fixture: DaemonFixture, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await fixture.cli(arguments)
        #expect(result.status == 0, "spl \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr == "", sourceLocation: sourceLocation)
        return result.stdout
    }

    func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Table rows split on runs of spaces.
    func cells(_ text: String) -> [[String]] {
        lines(text).map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    // MARK: - Without a daemon

    @Test func statusWithoutADaemonReportsNotRunningAndExits3() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["status"])
        #expect(result.status == 3)
        #expect(result.stderr == "")
        let output = lines(result.stdout)
        #expect(output.count == 3, "\(result.stdout)")
        #expect(output.first?.wholeMatch(of: #/Syncropel kernel \d+\.\d+\.\d+/#) != nil, "\(result.stdout)")
        #expect(output.dropFirst().elementsEqual(["Status:  not running", "Home:    \(spl.home.path)"]))

        let json = try await spl.run(["status", "-o", "json"])
        #expect(json.status == 3)
        #expect(json.stdout == "{\"status\":\"not running\",\"home\":\"\(spl.home.path)\"}\n")
    }

    @Test func commandsWithoutADaemonSayHowToStartOneAndExit3() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let expected = "Error: no spl daemon is running for \(spl.home.path); start one with 'spl serve --daemon'\n"
        for arguments in [
            ["know", "fact", "--thread", "th_x"], ["thread", "list"], ["thread", "records", "th_x", "-o", "json"],
            ["trust"], ["config", "list-rules"], ["record", "show", String(repeating: "a", count: 64)],
        ] {
            let result = try await spl.run(arguments)
            #expect(result.status == 3, "\(arguments)")
            #expect(result.stderr == expected, "\(arguments)")
            #expect(result.stdout == "", "\(arguments)")
        }
    }

    @Test func aSocketNobodyListensOnIsNotRunning() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        try Self.leaveStaleSocket(at: spl.home.path + "/run/spl.sock")
        let started = Date()
        let result = try await spl.run(["know", "fact", "--thread", "th_x"])
        #expect(result.status == 3)
        #expect(result.stderr == "Error: no spl daemon is running for \(spl.home.path); start one with 'spl serve --daemon'\n")
        #expect(Date().timeIntervalSince(started) < 5, "a refused connection must not be retried until a deadline")
        let status = try await spl.run(["status"])
        #expect(status.status == 3)
        #expect(status.stdout.contains("\nStatus:  not running\n"))
    }

    @Test func aLiveDaemonWithoutItsSocketYetIsStarting() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        // run/spl.json names a live pid (this test process) in the backup phase, before the socket exists.
        let runInfo = """
            {"pid":\(getpid()),"host":"127.0.0.1","port":9,"socket":"\(spl.home.path)/run/spl.sock",\
            "version":"0.1.0","phase":"backup 42%","started_at":"2025-01-01T00:00:00Z"}
            """
        try Data(runInfo.utf8).write(to: spl.home.appendingPathComponent("run/spl.json"))
        let stale = try await spl.run(["status"])
        #expect(stale.status == 3, "run files without the lock are what a killed daemon leaves")
        let lock = try HeldHomeLock(home: spl.home.path)
        defer { lock.release() }
        let result = try await spl.run(["status"])
        #expect(result.status == 4)
        #expect(lines(result.stdout).dropFirst().elementsEqual(["Status:  starting (backup 42%)", "Home:    \(spl.home.path)"]), "\(result.stdout)")
    }

    @Test func emitArgumentsAreCheckedBeforeTheDaemonIsAskedAndExit64() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let noThread = "needs --thread: this home has no current thread yet; open one with 'spl intend'"
        let cases: [([String], String)] = [
            (["know", "fact"], "spl know \(noThread)"),
            (["do", "work"], "spl do \(noThread)"),
            (["learn", "lesson"], "spl learn \(noThread)"),
            (["know", "fact", "--thread", "th_x", "--body", "[1]"], #"--body must be a JSON object, like '{"kind":"x.y.z"}'"#),
            (["know", "fact", "--thread", "th_x", "--body", "{"],
             "--body is not JSON: invalid JSON at byte 1: unexpected end of input, expected a string key"),
            (["know", "fact", "--thread", "th_x", "--data-type", "text"],
             "--data-type text is not a data type; use one of SCALAR FORMULA DISTRIBUTION REFERENCE MORPHISM VOID"),
            (["know", "fact", "--thread", "th_x", "--parent", "abc"], "abc is not a record id: expected 64 lowercase hex characters"),
            (["do", "work", "--thread", "th_x", "--fulfills", "ABC"], "ABC is not a record id: expected 64 lowercase hex characters"),
            (["record", "show", "xyz"], "xyz is not a record id: expected 64 lowercase hex characters"),
            (["config", "add-rule", "--name", "r", "--target", "did:example:t", "--act", "JUMP"],
             "--act JUMP is not an act; use one of INTEND DO KNOW LEARN GET PUT CALL MAP"),
        ]
        for (arguments, message) in cases {
            let result = try await spl.run(arguments)
            #expect(result.status == 64, "\(arguments)")
            let stderr = lines(result.stderr)
            #expect(stderr.first == "Error: \(message)", "\(arguments)")
            let command = arguments.prefix { !$0.hasPrefix("-") && $0 != "fact" && $0 != "work" && $0 != "lesson" && $0 != "xyz" }
            #expect(stderr.dropFirst().first?.hasPrefix("Usage: spl \(command.joined(separator: " ")) ") == true, "\(result.stderr)")
            #expect(stderr.last == "  See 'spl \(command.joined(separator: " ")) --help' for more information.", "\(result.stderr)")
            #expect(result.stdout == "", "\(arguments)")
        }
    }

    @Test func anUnknownCommandIsNamedAndTheCommandsAreListed() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["blueprint", "create", "x"])
        #expect(result.status == 64)
        #expect(result.stdout == "")
        let stderr = lines(result.stderr)
        #expect(stderr.first == "Error: unknown command 'blueprint'")
        let listed = try #require(stderr.dropFirst().first)
        for command in ["init", "serve", "status", "intend", "know", "thread", "config", "backup", "doctor", "completion"] {
            #expect(listed.split(separator: " ").contains(Substring(command)), "\(command) in \(listed)")
        }
        #expect(FileManager.default.fileExists(atPath: spl.home.path) == false, "an unknown command creates nothing")
        #expect(try await spl.run(["status"]).status == 3, "a known command still runs")
    }

    @Test func completionScriptsNameTheCommands() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        for shell in ["bash", "zsh", "fish"] {
            let result = try await spl.run(["completion", shell])
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            for command in ["intend", "know", "backup", "restore-keys", "completion"] {
                #expect(result.stdout.contains(command), "\(shell) script names \(command)")
            }
        }
        let bad = try await spl.run(["completion", "tcsh"])
        #expect(bad.status == 64)
    }

    // MARK: - Against a running daemon

    @Test func statusPrintsTheTemplateOfSpec6() async throws {
        try await withDaemon { fixture in
            _ = try await ok(fixture, ["know", "fact", "--thread", "th_status"])
            // A restart takes a startup backup of a store with records.
            #expect(try await fixture.stopDaemon().status == 0)
            let started = try await fixture.serveReady()
            let output = lines(try await ok(fixture, ["status"]))
            try #require(output.count == 9, "\(output)")
            let home = NSRegularExpression.escapedPattern(for: fixture.home)
            let backupRoot = NSRegularExpression.escapedPattern(for: fixture.backupRoot)
            let patterns = [
                #"Syncropel kernel \d+\.\d+\.\d+"#,
                "Status:  ok",
                #"Bind:    127\.0\.0\.1:\#(fixture.port)"#,
                "PID:     \(started.pid)",
                #"Uptime:  \d+s"#,
                "Home:    \(home)",
                #"Store:   sqlite://\#(home)/hub\.db \(\d+ records, \d+ threads\)"#,
                "Instance: did:sync:instance:[0-9a-f]{24}",
                #"Backup:  \#(backupRoot)/instance-[0-9a-f]{24}/hub\.db\.bak \(\d+[smhd] ago, \d+ records\)"#,
            ]
            for (line, pattern) in zip(output, patterns) {
                #expect(line.wholeMatch(of: try Regex(pattern)) != nil, "\(line) !~ \(pattern)")
            }

            let health = try #require(try json(try await ok(fixture, ["status", "-o", "json"])) as? [String: Any])
            #expect(health["status"] as? String == "ok")
            #expect(health["home"] as? String == fixture.home)
        }
    }

    @Test func emitCommandsPrintOneLineAndTheRecordInJSON() async throws {
        try await withDaemon { fixture in
            let intend = try await ok(fixture, ["intend", "ship it"])
            let opened = try #require(intend.wholeMatch(of: try Regex(#"✓ INTEND (\#(Self.hex64)) on (th_[0-9a-f]{64}) \(clock 0; now the current thread\)\n"#)), "\(intend)")
            let intendID = String(try #require(opened.output[1].substring))
            let thread = String(try #require(opened.output[2].substring))

            let know = try await ok(fixture, ["know", "half way", "--thread", thread])
            #expect(know.wholeMatch(of: try Regex(#"✓ KNOW \#(Self.hex64) on \#(thread) \(clock 1\)\n"#)) != nil, "\(know)")

            let learn = try await ok(fixture, ["learn", "it is hard", "--thread", thread, "--actor", "did:example:learner"])
            #expect(learn.wholeMatch(of: try Regex(#"✓ LEARN \#(Self.hex64) on \#(thread) \(clock 2\)\n"#)) != nil, "\(learn)")

            let done = try await ok(fixture, [
                "do", "shipped", "--thread", thread, "--fulfills", intendID, "--parent", intendID,
                "--body", #"{"kind":"x.ship.done","n":1}"#, "-o", "json",
            ])
            let record = try #require(try json(done) as? [String: Any], "\(done)")
            #expect(record["object"] as? String == "record")
            #expect(record["act"] as? String == "DO")
            #expect(record["actor"] as? String == "did:sync:user:tester")
            #expect(record["clock"] as? Int == 3)
            #expect(record["thread"] as? String == thread)
            #expect(record["parents"] as? [String] == [intendID])
            #expect(record["data_type"] as? String == "SCALAR")
            let body = try #require(record["body"] as? [String: Any])
            #expect(body["text"] as? String == "shipped")
            #expect(body["fulfills"] as? String == intendID)
            #expect(body["kind"] as? String == "x.ship.done")
            #expect(body["n"] as? Int == 1)
            #expect(record["signer"] as? String != nil, "records written through the socket are signed by the daemon")

            let environmentActor = try await fixture.spl.run(
                ["know", "by env", "--thread", thread, "-o", "json"], timeout: 30, extraEnvironment: ["SPL_ACTOR": "did:example:env"])
            #expect((try json(environmentActor.stdout) as? [String: Any])?["actor"] as? String == "did:example:env")

            // The opener is fulfilled, so the thread is closed.
            let show = lines(try await ok(fixture, ["thread", "show", thread]))
            #expect(show.first == "Thread:       \(thread)")
            #expect(show.contains("Status:       closed"), "\(show)")
            #expect(show.contains("Opener:       \(intendID) by did:sync:user:tester"), "\(show)")
            #expect(show.contains("Participants: did:example:env, did:example:learner, did:sync:user:tester"), "\(show)")
            #expect(show.contains("Records:      5"), "\(show)")
            #expect(show.contains("Last clock:   4"), "\(show)")
            let state = try #require(try json(try await ok(fixture, ["thread", "show", thread, "-o", "json"])) as? [String: Any])
            #expect(state["status"] as? String == "closed")

            let listed = cells(try await ok(fixture, ["thread", "list"]))
            #expect(listed.first == ["ID", "RECORDS", "LAST", "ACTIVITY", "STATUS"])
            let row = try #require(listed.first { $0.first == thread }, "\(listed)")
            #expect(row.count == 4)
            #expect(row[1] == "5")
            #expect(row[2].wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/#) != nil, "\(row)")
            #expect(row[3] == "closed")
            let list = try #require(try json(try await ok(fixture, ["thread", "list", "-o", "json"])) as? [String: Any])
            let threads = try #require(list["data"] as? [[String: Any]])
            #expect(threads.contains { $0["id"] as? String == thread })

            // record show, in text and JSON, and the answer for an id the store does not hold.
            let shown = lines(try await ok(fixture, ["record", "show", intendID]))
            #expect(shown.first == "id:         \(intendID)")
            #expect(shown.contains("act:        INTEND"))
            #expect(shown.contains("thread:     \(thread)"))
            #expect(shown.contains(#"body:       {"goal":"ship it"}"#), "\(shown)")
            let shownJSON = try #require(try json(try await ok(fixture, ["record", "show", intendID, "-o", "json"])) as? [String: Any])
            #expect(shownJSON["id"] as? String == intendID)
            let unknown = String(repeating: "0", count: 64)
            let missing = try await fixture.cli(["record", "show", unknown])
            #expect(missing.status == 1)
            #expect(missing.stderr == "Error: no record \(unknown) in this store\n")

            // The daemon's refusal is one line with its code.
            let refused = try await fixture.cli(["know", "fact", "--thread", "not a thread!"])
            #expect(refused.status == 1)
            #expect(refused.stderr.wholeMatch(of: #/Error: [^\n]+ \(INVALID_THREAD\)\n/#) != nil, "\(refused.stderr)")
        }
    }

    @Test func threadRecordsReadsEveryPageInClockOrder() async throws {
        try await withDaemon { fixture in
            let count = 2500
            let thread = "th_many"
            // Posted in a shuffled clock order, so arrival (sequence) order is not clock order.
            var clocks = Array(0..<count)
            var generator = SystemRandomNumberGenerator()
            clocks.shuffle(using: &generator)
            var idByClock: [Int: String] = [:]
            for batch in stride(from: 0, to: count, by: 1000).map({ Array(clocks[$0..<min($0 + 1000, count)]) }) {
                let envelopes = batch.map { clock in
                    #"{"act":"KNOW","actor":"did:example:bulk","body":{"text":"n\#(clock)"},"clock":\#(clock),"data_type":"SCALAR","parents":[],"thread":"\#(thread)"}"#
                }
                let (status, answer) = try await fixture.http("POST", "/v1/records", json: #"{"records":[\#(envelopes.joined(separator: ","))]}"#)
                try #require(status == 201, "\(String(decoding: answer, as: UTF8.self))")
                let results = try #require((try JSONSerialization.jsonObject(with: answer) as? [String: Any])?["results"] as? [[String: Any]])
                for result in results {
                    idByClock[try #require(result["clock"] as? Int)] = try #require(result["id"] as? String)
                }
            }

            let output = try await ok(fixture, ["thread", "records", thread, "-o", "json"])
            #expect(output.hasPrefix("[") && output.hasSuffix("]\n"))
            let records = try #require(try json(output) as? [[String: Any]])
            #expect(records.count == count)
            #expect(records.compactMap { $0["clock"] as? Int } == Array(0..<count))
            #expect(records.last?["id"] as? String == idByClock[count - 1])
            #expect(Set(records.compactMap { $0["id"] as? String }).count == count)

            let text = lines(try await ok(fixture, ["thread", "records", thread]))
            #expect(text.count == count)
            #expect(text.first == "0 KNOW did:example:bulk \(idByClock[0] ?? "") n0")
            #expect(text.last == "\(count - 1) KNOW did:example:bulk \(idByClock[count - 1] ?? "") n\(count - 1)")

            #expect(try await ok(fixture, ["thread", "records", "th_nothing_here", "-o", "json"]) == "[]\n")
            #expect(try await ok(fixture, ["thread", "records", "th_nothing_here"]) == "")
        }
    }

    @Test func trustIsEmptyThenShowsAVerdict() async throws {
        try await withDaemon { fixture in
            #expect(try await ok(fixture, ["trust"]) == "no trust evidence yet\n")
            #expect(try await ok(fixture, ["trust", "-o", "json"]) == #"{"object":"list","data":[],"next_cursor":null}"# + "\n")
            _ = try await ok(fixture, [
                "know", "good work", "--thread", "th_review",
                "--body", #"{"verdict":"accept","subject":"did:example:worker","domain":"code"}"#,
            ])
            let table = cells(try await ok(fixture, ["trust"]))
            #expect(table == [
                ["ACTOR", "DOMAIN", "SUCCESS", "TOTAL", "TRUST"],
                ["did:example:worker", "code", "1", "1", "0.4343"],
            ])
            let trust = try #require(try json(try await ok(fixture, ["trust", "-o", "json"])) as? [String: Any])
            let rows = try #require(trust["data"] as? [[String: Any]])
            #expect(rows.first?["actor"] as? String == "did:example:worker")
        }
    }

    @Test func configRulesAreAddedListedAndRemoved() async throws {
        try await withDaemon { fixture in
            #expect(try await ok(fixture, ["config", "list-rules"]) == "no routing rules\n")
            #expect(try await ok(fixture, ["config", "list-rules", "--all"]) == "no rules\n")

            let added = try await ok(fixture, [
                "config", "add-rule", "--name", "review", "--target", "did:example:reviewer", "--domain", "code",
                "--act", "KNOW", "--priority", "5",
            ])
            #expect(added.wholeMatch(of: try Regex(#"✓ routing rule review → did:example:reviewer \(priority 5\): LEARN \#(Self.hex64) \(clock \d+\)\n"#)) != nil, "\(added)")
            _ = try await ok(fixture, ["config", "add-rule", "--name", "fallback", "--target", "did:example:any"])

            #expect(cells(try await ok(fixture, ["config", "list-rules"])) == [
                ["NAME", "TARGET", "DOMAIN", "ACT", "PRIORITY"],
                ["review", "did:example:reviewer", "code", "KNOW", "5"],
                ["fallback", "did:example:any", "-", "-", "0"],
            ])
            #expect(cells(try await ok(fixture, ["config", "list-rules", "--all"])) == [
                ["KIND", "NAME"],
                ["core.routing_rule.v1", "fallback"],
                ["core.routing_rule.v1", "review"],
            ])
            let listed = try #require(try json(try await ok(fixture, ["config", "list-rules", "-o", "json"])) as? [String: Any])
            let rules = try #require(listed["data"] as? [[String: Any]])
            #expect(rules.compactMap { $0["name"] as? String } == ["review", "fallback"])

            let shown = lines(try await ok(fixture, ["config", "show"]))
            #expect(shown.first == "File: \(fixture.home)/config.toml")
            #expect(shown.contains("[identity]"), "\(shown)")
            #expect(shown.contains("  actor = did:sync:user:tester"), "\(shown)")
            #expect(shown.contains("  core.routing_rule.v1: 2"), "\(shown)")
            // The port the daemon listens on (the fixture's free port), not config.toml's 9100.
            #expect(shown.contains("  port = \(fixture.port)"), "\(shown)")
            let config = try #require(try json(try await ok(fixture, ["config", "show", "-o", "json"])) as? [String: Any])
            #expect(config["object"] as? String == "config")
            #expect(((config["file"] as? [String: Any])?["server"] as? [String: Any])?["port"] as? Int == fixture.port)
            let http = try await fixture.httpJSON("GET", "/v1/config")
            #expect(((http.object["file"] as? [String: Any])?["server"] as? [String: Any])?["port"] as? Int == fixture.port)

            let removed = try await ok(fixture, ["config", "remove-rule", "--name", "review"])
            #expect(removed.wholeMatch(of: try Regex(#"✓ routing rule review removed: LEARN \#(Self.hex64) \(clock \d+\)\n"#)) != nil, "\(removed)")
            _ = try await ok(fixture, ["config", "remove-rule", "--name", "fallback"])
            #expect(try await ok(fixture, ["config", "list-rules"]) == "no routing rules\n")
            #expect(try await ok(fixture, ["config", "list-rules", "--all"]) == "no rules\n")
        }
    }

    /// The public quickstart's first steps as written: intend, then do, know and learn without
    /// --thread, and know --fulfills with no value.
    @Test func theQuickstartsFirstStepsWorkWithoutThread() async throws {
        try await withDaemon { fixture in
            let opened = try await ok(fixture, ["intend", "Migrate the user database to the new schema"])
            let openedLine = try Regex(#"✓ INTEND (\#(Self.hex64)) on (th_[0-9a-f]{64}) \(clock 0; now the current thread\)\n"#)
            let match = try #require(opened.wholeMatch(of: openedLine), "\(opened)")
            let intendID = try #require(match.output[1].substring.map(String.init))
            let thread = try #require(match.output[2].substring.map(String.init))
            #expect(try String(contentsOfFile: fixture.home + "/current-thread", encoding: .utf8) == thread + "\n")
            #expect(try FileManager.default.attributesOfItem(atPath: fixture.home + "/current-thread")[.posixPermissions] as? Int == 0o600)

            var lastDO = ""
            for (act, text, clock) in [("do", "Backed up existing database", 1), ("do", "Applied migration script", 2),
                                       ("know", "All tables migrated, zero data loss", 3)] {
                let written = try await ok(fixture, [act, text])
                let line = try Regex(#"✓ \#(act.uppercased()) (\#(Self.hex64)) on \#(thread) \(clock \#(clock); the current thread\)\n"#)
                let wrote = try #require(written.wholeMatch(of: line), "\(written)")
                if act == "do" { lastDO = String(wrote.output[1].substring ?? "") }
            }
            let closed = try await ok(fixture, ["know", "Migration complete, all services verified", "--fulfills"])
            #expect(closed.hasSuffix(" on \(thread) (clock 4; the current thread)\n"), "\(closed)")
            _ = try await ok(fixture, ["learn", "Schema migrations should run in maintenance windows"])

            let records = try #require(try json(try await ok(fixture, ["thread", "records", thread, "-o", "json"])) as? [[String: Any]])
            #expect(records.compactMap { $0["act"] as? String } == ["INTEND", "DO", "DO", "KNOW", "KNOW", "LEARN"])
            #expect((records[4]["body"] as? [String: Any])?["fulfills"] as? String == intendID)
            let state = try #require(try json(try await ok(fixture, ["thread", "show", thread, "-o", "json"])) as? [String: Any])
            #expect(state["status"] as? String == "closed")
            #expect(lines(try await ok(fixture, ["status"])).last == "Thread:  \(thread)")
            let status = try #require(try json(try await ok(fixture, ["status", "-o", "json"])) as? [String: Any])
            #expect(status["current_thread"] as? String == thread)

            // A --fulfills that names no INTEND of the thread is refused, and nothing is written.
            let other = try await ok(fixture, ["intend", "A second goal"])
            let otherThread = try #require(other.firstMatch(of: #/ on (th_[0-9a-f]{64}) /#)?.output.1).description
            let missing = String(repeating: "0", count: 64)
            let refusals: [([String], String)] = [
                (["--fulfills", missing], "--fulfills \(missing): no record with this id in this store; nothing was written"),
                (["--fulfills", intendID], "--fulfills \(intendID): that INTEND is on \(thread), not on \(otherThread); nothing was written"),
                (["--fulfills", lastDO, "--thread", thread], "--fulfills \(lastDO): that record is a DO, not an INTEND; nothing was written"),
                (["--cancels", intendID], "--cancels \(intendID): that INTEND is on \(thread), not on \(otherThread); nothing was written"),
                (["--thread", "th_without_intend", "--fulfills"],
                 "--fulfills without an id fulfils the opening INTEND of th_without_intend, which has none; nothing was written"),
            ]
            for (arguments, message) in refusals {
                let result = try await fixture.cli(["know", "done"] + arguments)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.stderr == "Error: \(message)\n", "\(arguments)")
            }
            #expect((try json(try await ok(fixture, ["thread", "records", thread, "-o", "json"])) as? [Any])?.count == 6)
            #expect((try json(try await ok(fixture, ["thread", "records", otherThread, "-o", "json"])) as? [Any])?.count == 1)
            #expect((try json(try await ok(fixture, ["thread", "records", "th_without_intend", "-o", "json"])) as? [Any])?.count == 0)
        }
    }

    @Test func listsPrintTheListObjectOfTheHTTPAPI() async throws {
        try await withDaemon { fixture in
            _ = try await ok(fixture, ["know", "fact", "--thread", "th_lists"])
            _ = try await ok(fixture, ["config", "add-rule", "--name", "r", "--target", "did:example:t"])
            for (arguments, path) in [(["thread", "list"], "/v1/threads"), (["config", "list-rules"], "/v1/config/rules")] {
                let printed = try await ok(fixture, arguments + ["-o", "json"])
                let http = try await fixture.http("GET", path)
                #expect(printed == String(decoding: http.body, as: UTF8.self) + "\n", "\(arguments)")
            }
        }
    }

    @Test func ruleChangesTheConfigFoldWouldIgnoreAreRefusedAndWriteNothing() async throws {
        try await withDaemon { fixture in
            let configRecords = { () async throws -> Int in
                let output = try await self.ok(fixture, ["thread", "records", "th_engine_config", "-o", "json"])
                return (try self.json(output) as? [Any])?.count ?? -1
            }
            let before = try await configRecords()
            let usageErrors: [([String], String)] = [
                (["--name", "r", "--target", ""], "--target must not be empty"),
                (["--name", " ", "--target", "did:example:t"], "--name must not be empty"),
                (["--name", "r", "--target", "did:example:t", "--domain", ""], "--domain must not be empty"),
                (["--name", "r", "--target", "did:example:t", "--expression", "record.act =="],
                 "--expression 'record.act ==' does not parse: at byte 13: expected an operand, found the end"),
                (["--name", "r", "--target", "did:example:t", "--expression", "record.body.size > 3 &&& true"],
                 "--expression 'record.body.size > 3 &&& true' does not parse: at byte 23: unexpected character '&'"),
            ]
            for (arguments, message) in usageErrors {
                let result = try await fixture.cli(["config", "add-rule"] + arguments)
                #expect(result.status == 64, "\(arguments)")
                #expect(lines(result.stderr).first == "Error: \(message)", "\(result.stderr)")
                #expect(result.stdout == "")
            }
            let never = try await fixture.cli(["config", "remove-rule", "--name", "never-declared"])
            #expect(never.status == 1)
            #expect(never.stderr == "Error: there is no routing rule never-declared; nothing was written ('spl config list-rules' lists the rules)\n")
            #expect(try await configRecords() == before, "no refused change reached th_engine_config")

            _ = try await ok(fixture, [
                "config", "add-rule", "--name", "sized", "--target", "did:example:t", "--expression", "record.body.size > 3",
            ])
            _ = try await ok(fixture, ["config", "remove-rule", "--name", "sized"])
            let again = try await fixture.cli(["config", "remove-rule", "--name", "sized"])
            #expect(again.status == 1, "a removed rule is no rule to remove")
            #expect(try await configRecords() == before + 2)
            let config = try #require(try json(try await ok(fixture, ["config", "show", "-o", "json"])) as? [String: Any])
            #expect(config["ignored"] as? Int == 0)
        }
    }

    // MARK: - Against a scripted socket (answers a real daemon does not give on demand)

    /// A /health answer as SPEC 7.3 and docs/HTTP-API.md give it, with `backup` as given.
    static func health(home: String, backup: String) -> String {
        #"{"status":"ok","version":"9.9.9","instance_did":"did:sync:instance:0123456789abcdef01234567","records":12,"threads":3,"store":"sqlite://\#(home)/hub.db","uptime_secs":75.8,"started_at":"2026-01-01T00:00:00Z","pid":4242,"bind":"127.0.0.1:9100","home":"\#(home)","socket":"\#(home)/run/spl.sock","backup":\#(backup)}"#
    }

    /// The semver `spl version` prints.
    static func cliVersion(_ spl: SPLProcess) async throws -> String {
        try #require(try await spl.run(["version"]).stdout.split(separator: " ").dropFirst().first.map(String.init))
    }

    static func iso8601(secondsAgo: Double) -> String {
        Date(timeIntervalSinceNow: -secondsAgo).formatted(.iso8601)
    }

    @Test func statusReadsEveryBackupStateAndWarnsOnceAboutAnotherVersion() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let home = spl.home.path
        let cliVersion = try await Self.cliVersion(spl)
        let backups: [(String, String)] = [
            (#"{"path":"/b/hub.db.bak","status":"written","written_at":"\#(Self.iso8601(secondsAgo: 3 * 3600 + 50))","records":7,"error":null}"#,
             "Backup:  /b/hub.db.bak (3h ago, 7 records)"),
            (#"{"path":"/b/hub.db.bak","status":"unchanged","written_at":"\#(Self.iso8601(secondsAgo: 2 * 86400 + 5))","records":0,"error":null}"#,
             "Backup:  /b/hub.db.bak (2d ago, 0 records)"),
            (#"{"path":"/b/hub.db.bak","status":"failed","written_at":null,"records":null,"error":"No space left on device"}"#,
             "Backup:  /b/hub.db.bak (FAILED: No space left on device)"),
            (#"{"path":null,"status":"none","written_at":null,"records":null,"error":null}"#, "Backup:  none"),
        ]
        for (backup, line) in backups {
            let server = try ScriptedSocket(path: home + "/run/spl.sock", answer: .json(200, Self.health(home: home, backup: backup)))
            defer { server.stop() }
            let result = try await spl.run(["status"])
            #expect(result.status == 0)
            #expect(result.stdout == """
                Syncropel kernel 9.9.9
                Status:  ok
                Bind:    127.0.0.1:9100
                PID:     4242
                Uptime:  75s
                Home:    \(home)
                Store:   sqlite://\(home)/hub.db (12 records, 3 threads)
                Instance: did:sync:instance:0123456789abcdef01234567
                \(line)

                """)
            #expect(result.stderr == "warning: spl \(cliVersion) talks to daemon 9.9.9; restart the daemon with 'spl restart'\n")
        }
    }

    @Test func statusOfADaemonStillStartingExits4() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let server = try ScriptedSocket(
            path: spl.home.path + "/run/spl.sock", answer: .json(503, #"{"status":"starting","phase":"folding"}"#))
        defer { server.stop() }
        let result = try await spl.run(["status"])
        #expect(result.status == 4)
        #expect(lines(result.stdout).dropFirst().elementsEqual(["Status:  starting (folding)", "Home:    \(spl.home.path)"]), "\(result.stdout)")
        let json = try await spl.run(["status", "-o", "json"])
        #expect(json.status == 4)
        #expect(json.stdout == "{\"status\":\"starting\",\"phase\":\"folding\",\"home\":\"\(spl.home.path)\"}\n")
    }

    @Test func statusOfASilentSocketAsksRunInfo() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let socket = spl.home.path + "/run/spl.sock"
        let server = try ScriptedSocket(path: socket, answer: .silence)
        defer { server.stop() }
        let silent = try await spl.run(["status"], extraEnvironment: ["SPL_REQUEST_TIMEOUT": "1"])
        #expect(silent.status == 1)
        #expect(silent.stderr == "Error: the spl daemon on \(socket) did not answer GET /health within 1s; check its log with 'spl serve --logs'\n")

        // A live pid in run/spl.json: the daemon is busy starting (a long startup backup).
        let runInfo = """
            {"pid":\(getpid()),"host":"127.0.0.1","port":9,"socket":"\(socket)",\
            "version":"0.1.0","phase":"checking","started_at":"2025-01-01T00:00:00Z"}
            """
        try Data(runInfo.utf8).write(to: spl.home.appendingPathComponent("run/spl.json"))
        let lock = try HeldHomeLock(home: spl.home.path)
        defer { lock.release() }
        let starting = try await spl.run(["status"], extraEnvironment: ["SPL_REQUEST_TIMEOUT": "1"])
        #expect(starting.status == 4)
        #expect(starting.stdout == "Syncropel kernel 0.1.0\nStatus:  starting (checking)\nHome:    \(spl.home.path)\n")
    }

    @Test func anEmptyThreadListSaysSo() async throws {
        // A real daemon always has th_engine_config (its bootstrap LEARN), so the empty list is scripted.
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let server = try await ScriptedSocket(
            path: spl.home.path + "/run/spl.sock", answer: .json(200, #"{"object":"list","data":[],"next_cursor":null}"#),
            serverVersion: try Self.cliVersion(spl))
        defer { server.stop() }
        let result = try await spl.run(["thread", "list"])
        #expect(result.status == 0)
        #expect(result.stdout == "no threads yet\n")
        #expect(result.stderr == "")
    }

    @Test func answersTheClientCannotUseAreOneLineErrors() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let socket = spl.home.path + "/run/spl.sock"
        let cliVersion = try await Self.cliVersion(spl)
        let cases: [(ScriptedSocket.Answer, String)] = [
            (.json(500, #"{"object":"error","code":"STORE_FULL","message":"the disk holding hub.db is full"}"#),
             "Error: the disk holding hub.db is full (STORE_FULL)"),
            (.json(500, "{}"), "Error: the spl daemon answered GET /v1/trust with status 500 and a body that is not an error object"),
            (.json(200, "hello"),
             "Error: the spl daemon answered GET /v1/trust with status 200 and a body that is not JSON (invalid JSON at byte 0: expected a value, found 'h')"),
            (.json(200, ""), "Error: the spl daemon answered GET /v1/trust with status 200 and an empty body"),
            (.json(200, #"{"object":"list"}"#), "Error: the spl daemon answered GET /v1/trust with status 200 and no data array"),
            (.silence, "Error: the spl daemon on \(socket) did not answer GET /v1/trust within 1s; check its log with 'spl serve --logs'"),
            (.hangUp, "Error: the spl daemon on \(socket) closed the connection without answering GET /v1/trust; check its log with 'spl serve --logs'"),
        ]
        for (answer, message) in cases {
            let server = try ScriptedSocket(path: socket, answer: answer, serverVersion: cliVersion)
            defer { server.stop() }
            let result = try await spl.run(["trust"], extraEnvironment: ["SPL_REQUEST_TIMEOUT": "1"])
            #expect(result.status == 1, "\(answer)")
            #expect(result.stderr == message + "\n", "\(answer)")
        }

        // Two requests, one warning; a cursor handed out twice would loop forever, so it is refused.
        let server = try ScriptedSocket(
            path: socket, answer: .json(200, #"{"object":"list","data":[{"id":"x"}],"next_cursor":null,"prev_cursor":"c1"}"#))
        defer { server.stop() }
        let result = try await spl.run(["thread", "records", "th_x"])
        #expect(result.status == 1)
        #expect(result.stderr == """
            warning: spl \(cliVersion) talks to daemon 9.9.9; restart the daemon with 'spl restart'
            Error: the spl daemon answered GET /v1/threads/th_x/records?limit=1000&cursor=c1 with status 200 and a prev_cursor it already gave (c1)

            """)
    }

    /// Binds a unix socket at `path` and closes it, leaving the file with nobody listening.
    static func leaveStaleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8.prefix(buffer.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }
}

/// A unix socket that answers every connection with one scripted HTTP answer, for the
/// answers a real daemon gives only when something is wrong.
final class ScriptedSocket: @unchecked Sendable {
    enum Answer: CustomStringConvertible {
        /// A response with this status and body.
        case json(Int, String)
        /// Reads the request and never answers.
        case silence
        /// Closes the connection without a word.
        case hangUp

        var description: String {
            switch self {
            case let .json(status, body): return "\(status) \(body)"
            case .silence: return "silence"
            case .hangUp: return "hang-up"
            }
        }
    }

    private let listener: Int32
    private let path: String
    /// Sent as `Server: spl/<version>`.
    private let serverVersion: String
    private let lock = NSLock()
    private var held: [Int32] = []

    init(path: String, answer: Answer, serverVersion: String = "9.9.9") throws {
        self.path = path
        self.serverVersion = serverVersion
        unlink(path)
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            close(listener)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EINTR { continue }
                    break
                }
                serve(connection, answer)
            }
            close(listener)
            lock.withLock { held.forEach { close($0) } }
        }.start()
    }

    private func serve(_ connection: Int32, _ answer: Answer) {
        switch answer {
        case .hangUp:
            close(connection)
        case .silence:
            readRequestHead(connection)
            lock.withLock { held.append(connection) }
        case let .json(status, body):
            readRequestHead(connection)
            let response = "HTTP/1.1 \(status) Scripted\r\nServer: spl/\(serverVersion)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            close(connection)
        }
    }

    /// Reads until the blank line that ends the head; the CLI's GETs have no body.
    private func readRequestHead(_ connection: Int32) {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !received.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            received += chunk.prefix(count)
        }
    }

    /// Stops accepting and removes the socket file; the accepting thread, woken by the
    /// shutdown, closes the listener and the held connections, so nothing here waits.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }
}

/// run/spl.lock held by this test process with its pid in it, as a starting daemon holds it.
struct HeldHomeLock {
    let descriptor: Int32

    init(home: String) throws {
        descriptor = open(home + "/run/spl.lock", O_RDWR | O_CREAT, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { throw POSIXError(.EBUSY) }
        let pid = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, write(descriptor, pid, pid.count) == pid.count else { throw POSIXError(.EIO) }
    }

    func release() {
        close(descriptor)
    }
}
