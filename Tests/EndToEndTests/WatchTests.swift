import Foundation
import SyncropelTestSupport
import Testing

/// `GET /v1/threads/{id}/watch` on a real daemon (SPEC 7.2): frames, resume, replay,
/// heartbeats, shutdown, lag, disconnects, and 200 watchers at once.
@Suite(.serialized) struct WatchTests {
    private func withDaemon(
        environment: [String: String] = [:], prepare: (DaemonFixture) async throws -> Void = { _ in },
        _ body: (WatchDaemon) async throws -> Void
    ) async throws {
        let daemon = try await WatchDaemon.start(environment: environment, prepare: prepare)
        defer { daemon.tearDown() }
        try await body(daemon)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test func aLiveRecordArrivesAsOneFrame() async throws {
        try await withDaemon { daemon in
            let watch = try await daemon.watch("th_live")
            #expect(watch.headers["cache-control"] == "no-cache")
            let posted = try await daemon.post(thread: "th_live", clock: 1)
            try await daemon.waitFor(watch, seconds: 20) { $0.recordFrames.count == 1 }
            let frame = try #require(watch.recordFrames.first)
            #expect(frame.id == String(posted["sequence"] as? Int ?? -1))
            let data = try json(frame.data)
            #expect(Set(data.keys) == ["id", "record"])
            #expect(data["id"] as? String == posted["id"] as? String)
            let (_, stored) = try await daemon.http.send("GET", "/v1/records/\(posted["id"] as? String ?? "")")
            let record = try #require(data["record"] as? [String: Any])
            #expect(NSDictionary(dictionary: record) == NSDictionary(dictionary: try json(String(decoding: stored, as: UTF8.self))))
        }
    }

    @Test func lastEventIDReplaysExactlyTheMissedRecordsThenGoesLive() async throws {
        try await withDaemon { daemon in
            var sequences: [Int64] = []
            for clock in 1...5 {
                sequences.append(Int64(try await daemon.post(thread: "th_resume", clock: clock)["sequence"] as? Int ?? -1))
            }
            try await daemon.post(thread: "th_resume_other", clock: 1)
            let watch = try await daemon.watch("th_resume", lastEventID: sequences[1])
            try await daemon.waitFor(watch, seconds: 20) { $0.recordFrames.count == 3 }
            for clock in 6...7 {
                sequences.append(Int64(try await daemon.post(thread: "th_resume", clock: clock)["sequence"] as? Int ?? -1))
            }
            try await daemon.waitFor(watch, seconds: 20) { $0.recordFrames.count == 5 }
            #expect(watch.recordIDs == Array(sequences[2...]))
        }
    }

    @Test func sinceClockZeroReplaysTheThreadInSequenceOrder() async throws {
        try await withDaemon { daemon in
            var sequences: [Int64] = []
            for clock in [4, 1, 3, 2] {
                sequences.append(Int64(try await daemon.post(thread: "th_history", clock: clock)["sequence"] as? Int ?? -1))
                try await daemon.post(thread: "th_noise", clock: clock)
            }
            let watch = try await daemon.watch("th_history", query: "?since_clock=0")
            try await daemon.waitFor(watch, seconds: 20) { $0.recordFrames.count == 4 }
            #expect(watch.recordIDs == sequences)
            #expect(watch.recordFrames.compactMap { (try? json($0.data))?["record"] as? [String: Any] }.map { $0["clock"] as? Int } == [4, 1, 3, 2])
            let live = Int64(try await daemon.post(thread: "th_history", clock: 5)["sequence"] as? Int ?? -1)
            try await daemon.waitFor(watch, seconds: 20) { $0.recordFrames.count == 5 }
            #expect(watch.recordIDs == sequences + [live])
        }
    }

    @Test func badReplayValuesAreRefusedNamingTheField() async throws {
        try await withDaemon { daemon in
            for (query, headers, field, message) in [
                ("?since_clock=yesterday", [:], "since_clock", "since_clock must be an integer clock"),
                ("", ["Last-Event-ID": "abc"], "Last-Event-ID", "Last-Event-ID must be the id of an event this server sent (a record sequence)"),
                ("", ["Last-Event-ID": "-4"], "Last-Event-ID", "Last-Event-ID must be the id of an event this server sent (a record sequence)"),
            ] as [(String, [String: String], String, String)] {
                let (status, body) = try await daemon.fixture.http("GET", "/v1/threads/th_x/watch\(query)", headers: headers)
                #expect(status == 400)
                let error = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
                #expect(error["code"] as? String == "INVALID_FIELD")
                #expect(error["field"] as? String == field)
                #expect(error["message"] as? String == message)
            }
        }
    }

    @Test func heartbeatsArriveAtTheConfiguredInterval() async throws {
        let prepare: (DaemonFixture) async throws -> Void = { fixture in
            let initialised = try await fixture.spl.run(["init"])
            guard initialised.status == 0 else { throw WatchTestError("spl init: \(initialised.stderr)") }
            let path = fixture.home + "/config.toml"
            let config = try String(contentsOfFile: path, encoding: .utf8)
            guard config.contains("sse_heartbeat_secs = 15") else { throw WatchTestError("config.toml: \(config)") }
            try config.replacingOccurrences(of: "sse_heartbeat_secs = 15", with: "sse_heartbeat_secs = 1")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        try await withDaemon(prepare: prepare) { daemon in
            let opened = Date()
            let watch = try await daemon.watch("th_quiet")
            try await daemon.waitFor(watch, seconds: 30) { $0.heartbeats >= 3 }
            let waited = Date().timeIntervalSince(opened)
            #expect(Array(watch.frames.prefix(3)) == Array(repeating: .init(event: "heartbeat", id: nil, data: "{}"), count: 3))
            // Three beats a second apart need at least two seconds; 15 s beats would not come within 30.
            #expect(waited >= 1.5, "three heartbeats after \(waited) s")
        }
    }

    @Test func aBadHeartbeatVariableStopsTheStart() async throws {
        let fixture = try DaemonFixture()
        defer { fixture.tearDown() }
        let started = try await fixture.start(extraEnvironment: ["SPL_SSE_HEARTBEAT_SECS": "0"])
        #expect(started.status == 1)
        #expect(started.stderr.hasPrefix(
            "Error: failed to start spl serve: SPL_SSE_HEARTBEAT_SECS=0 is not a heartbeat interval; use a whole number of seconds from 1 to 86400\n"),
            "\(started.stderr)")
    }

    @Test func aGracefulStopSendsServerShutdownToEveryStream() async throws {
        try await withDaemon { daemon in
            let watches = [
                try await daemon.watch("th_stop"), try await daemon.watch("th_stop"),
                try await daemon.watch("th_stop_2", query: "?since_clock=0"),
            ]
            try await daemon.post(thread: "th_stop", clock: 1)
            let pid = try #require(daemon.fixture.pid)
            let stopping = Date()
            let stop = try await daemon.fixture.stopDaemon()
            let took = Date().timeIntervalSince(stopping)
            #expect(stop.status == 0, "spl stop: \(stop.stdout)\(stop.stderr)")
            #expect(took < 8, "spl stop took \(took) s; open streams must not hold the 10 s grace")
            #expect(try await DaemonProcess.waitForExit(pid, seconds: 10))
            for watch in watches {
                try await daemon.waitFor(watch, seconds: 10, what: "end of stream") { $0.isEnded }
                #expect(watch.frames.last == .init(event: "server_shutdown", id: nil, data: #"{"retry_after_ms":2000}"#))
            }
            #expect(watches[0].recordFrames.count == 1)
            daemon.fixture.expectCleanStop()
        }
    }

    @Test func aReaderThatNeverReadsIsClosedAloneAndResumesLosingNothing() async throws {
        try await withDaemon { daemon in
            // 4 KiB records: the daemon's socket buffers (up to 4 MiB) fill after about a thousand,
            // then its writes to the stalled watcher wait and that watcher's queue fills.
            let stalled = try await daemon.watch("th_flood", receiveBuffer: 4096)
            stalled.keepsRecordData = false
            let reader = try await daemon.watch("th_flood")
            reader.keepsRecordData = false
            for batch in 0..<4 {
                try await daemon.postBatch(thread: "th_flood", clocks: (batch * 1000 + 1)...(batch * 1000 + 1000), textBytes: 4096)
                try await daemon.waitFor(reader, seconds: 60) { $0.recordFrames.count == (batch + 1) * 1000 }
            }
            let all = try await daemon.sequences(of: "th_flood")
            #expect(all.count == 4000)
            #expect(reader.recordIDs == all, "the reading watcher got every record in order")
            #expect(!reader.isEnded, "the reading watcher stays open")

            try await daemon.waitFor(stalled, seconds: 60, what: "the end of the stalled watch") { $0.isEnded }
            let lagged = daemon.fixture.logLines.filter { $0["message"] as? String == "watch closed: lagged" }
            #expect(lagged.map { $0["thread"] as? String } == ["th_flood"], "one watcher, the stalled one, lagged")
            let before = stalled.recordIDs
            #expect(before.count < all.count, "the stalled watcher was not behind")
            #expect(stalled.isClosedByServer || stalled.frames.last?.event == "error")
            if let last = stalled.frames.last, last.event == "error" {
                #expect(try json(last.data)["code"] as? String == "lagged")
            }
            let resumed = try await daemon.watch("th_flood", lastEventID: before.last ?? 0)
            resumed.keepsRecordData = false
            try await daemon.waitFor(resumed, seconds: 60) { $0.recordFrames.count == all.count - before.count }
            #expect(before + resumed.recordIDs == all)
            #expect(Array(all.prefix(before.count)) == before)
            let (status, _) = try await daemon.http.send("GET", "/health")
            #expect(status == 200)
        }
    }

    @Test func aClientThatLeavesIsUnsubscribed() async throws {
        try await withDaemon(environment: ["SPL_LOG": "debug"]) { daemon in
            let watch = try await daemon.watch("th_leave")
            let stays = try await daemon.watch("th_stay")
            watch.close()
            let closed = try await waitForLog(daemon, seconds: 20) { line in
                line["message"] as? String == "watch closed: disconnected" && line["thread"] as? String == "th_leave"
            }
            #expect(closed["watchers"] as? String == "1")
            try await daemon.post(thread: "th_stay", clock: 1)
            try await daemon.waitFor(stays, seconds: 20) { $0.recordFrames.count == 1 }
        }
    }

    @Test func twoHundredWatchersGetABurstInOrderWithoutNewThreads() async throws {
        try await withDaemon { daemon in
            let pid = try #require(daemon.fixture.pid)
            // Warm up: the writers, the store's readers, its background checkpoint (1000 records
            // cross its threshold) and one watch, as the measured run uses them.
            let warm = try await daemon.watch("th_crowd_warm")
            try await burst(daemon, thread: "th_crowd_warm", records: 1000)
            try await daemon.waitFor(warm, seconds: 60) { $0.recordFrames.count == 1000 }
            warm.close()
            try await Task.sleep(for: .milliseconds(500))
            let idleThreads = try daemon.threadCount(pid: pid)
            let idleNames = daemon.threadNames(pid: pid)

            var crowd: [WatchConnection] = []
            for _ in 0..<200 {
                let watch = try WatchConnection(port: daemon.port, thread: "th_crowd")
                watch.keepsRecordData = false
                crowd.append(watch)
            }
            let box = UncheckedBox(crowd)
            let headsArrived = await offThePool {
                WatchConnection.wait(box.value, seconds: 60) { box.value.allSatisfy { $0.status != nil } }
            }
            try #require(headsArrived, "\(crowd.filter { $0.status == nil }.count) watches got no response head")
            #expect(crowd.allSatisfy { $0.status == 200 })

            let sampler = ThreadSampler(pid: pid, daemon: daemon)
            try await burst(daemon, thread: "th_crowd", records: 1000)
            let complete = await offThePool {
                WatchConnection.wait(box.value, seconds: 240) {
                    sampler.sample()
                    return box.value.allSatisfy { $0.recordFrames.count >= 1000 || $0.isEnded }
                }
            }
            sampler.sample()
            let busyThreads = sampler.highest
            print("SSE threads: 0 subscribers → \(idleThreads), 200 subscribers → \(busyThreads)")
            try #require(complete, "watchers with fewer than 1000 records: \(crowd.filter { $0.recordFrames.count < 1000 }.count)")
            let all = try await daemon.sequences(of: "th_crowd")
            #expect(all.count == 1000)
            #expect(crowd.filter { $0.recordIDs != all }.count == 0, "every watcher has all 1000 records in sequence order")
            #expect(crowd.allSatisfy { !$0.isEnded })
            // A thread per watcher would add 200. The daemon's pools (Dispatch workers, the
            // store's readers) may still grow by a few under the burst on a slow machine, as
            // a CI run saw (+3), so the bound is a tenth of the watchers, not an exact count.
            #expect(
                busyThreads - idleThreads < 20,
                "daemon threads: \(idleThreads) idle \(idleNames), \(busyThreads) with 200 watchers \(sampler.namesAtHighest)")
        }
    }

    /// `records` single POSTs on `thread` from four concurrent writers (explicit clocks per writer).
    private func burst(_ daemon: WatchDaemon, thread: String, records: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for clock in stride(from: writer + 1, through: records, by: 4) {
                        try await daemon.post(thread: thread, clock: clock, actor: "did:sync:user:burst\(writer)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func waitForLog(_ daemon: WatchDaemon, seconds: Double, matching: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = daemon.fixture.logLines.first(where: matching) { return line }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WatchTestError("no such log line within \(seconds) s")
    }
}

/// The most threads the daemon had at any sample.
final class ThreadSampler: @unchecked Sendable {
    let pid: Int32
    let daemon: WatchDaemon
    private(set) var highest = 0
    private(set) var namesAtHighest: [String] = []

    init(pid: Int32, daemon: WatchDaemon) {
        self.pid = pid
        self.daemon = daemon
    }

    func sample() {
        guard let count = try? daemon.threadCount(pid: pid), count > highest else { return }
        highest = count
        namesAtHighest = daemon.threadNames(pid: pid)
    }
}
