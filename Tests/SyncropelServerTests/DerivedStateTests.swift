import Logging
import SyncropelKit
import SyncropelStore
import SyncropelTestSupport
import Testing

@testable import SyncropelServer

/// The daemon's folds: they follow live records, survive a restart through the
/// persisted watermark, and equal a fold from scratch.
@Suite(.timeLimit(.minutes(2))) struct DerivedStateTests {
    static let judge = "did:sync:user:judge"
    static let worker = "did:sync:user:worker"

    private func store() throws -> SQLiteRecordStore {
        try SQLiteRecordStore.inMemory(options: .init(createdByVersion: "test"))
    }

    private func know(_ thread: String, clock: Int64, actor: String = judge, body: JSONObject) -> RecordDraft {
        RecordDraft(act: .know, actor: actor, body: body, clock: clock, thread: thread)
    }

    @Test func readsFollowRecordsWrittenAfterStart() async throws {
        let store = try store()
        let derived = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        #expect(try await derived.thread("th_a") == nil)
        let intend = try await store.ingest(
            RecordDraft(act: .intend, actor: Self.worker, body: JSONObject(["goal": "g"]), clock: 1, thread: "th_a"), signingWith: nil)
        #expect(try await derived.thread("th_a")?.status == .open)
        _ = try await store.ingest(
            know("th_a", clock: 2, actor: Self.worker, body: JSONObject(["fulfills": .string(intend.stored.id.hex)])), signingWith: nil)
        #expect(try await derived.thread("th_a")?.status == .closed)
        #expect(try await derived.thread("th_a")?.recordCount == 2)
    }

    @Test func followingFoldsCommitsWithoutAReadSoTheNextStartFoldsNothing() async throws {
        let store = try store()
        let derived = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        await derived.startFollowing()
        _ = try await store.ingest(batch: (1...300).map { know("th_f", clock: $0, body: JSONObject(["text": "x"])) }, signingWith: nil)
        // `threads` is the fold as it stands: no read has called catchUp.
        try await waitUntil { await derived.threads.watermark >= 300 }
        #expect(await derived.threads.state(of: "th_f")?.recordCount == 300)
        await derived.stopFollowing()
        try await derived.persist()

        let next = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        try await next.loadPersisted()
        #expect(try await next.catchUp() == 0)
        #expect(await next.threads.state(of: "th_f")?.recordCount == 300)
    }

    /// A fold of a whole batch is followed at once by the next, so batches are folded while the
    /// store still holds them in memory; a fold of a few records waits out the interval (ten
    /// minutes here: a follower that waited after a batch too would run into the time limit).
    @Test func batchesAreFoldedAsTheyLandAndSingleRecordsOncePerInterval() async throws {
        let store = try store()
        let derived = DerivedState(
            store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"), followInterval: .seconds(600))
        func batch(_ clocks: ClosedRange<Int64>) -> [RecordDraft] {
            clocks.map { know("th_b", clock: $0, body: JSONObject(["text": "x"])) }
        }
        _ = try await store.ingest(batch: batch(1...1000), signingWith: nil)
        await derived.startFollowing()
        try await waitUntil { await derived.threads.watermark == 1000 }
        _ = try await store.ingest(batch: batch(1001...2000), signingWith: nil)
        try await waitUntil { await derived.threads.watermark == 2000 }
        _ = try await store.ingest(batch: batch(2001...2010), signingWith: nil)
        try await waitUntil { await derived.threads.watermark == 2010 }
        // Ten records were not a batch: the follower now waits out its interval.
        _ = try await store.ingest(batch: batch(2011...2015), signingWith: nil)
        try await Task.sleep(for: .seconds(1))
        #expect(await derived.threads.watermark == 2010)
        await derived.stopFollowing()
        #expect(try await derived.thread("th_b")?.recordCount == 2015)
    }

    @Test func trustResolvesAJudgedRecordOlderThanThePage() async throws {
        let store = try store()
        let work = try await store.ingest(
            RecordDraft(act: .do, actor: Self.worker, body: JSONObject(["text": "work"]), clock: 1, thread: "th_w"), signingWith: nil)
        let derived = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        try await derived.catchUp()
        _ = try await store.ingest(
            RecordDraft(
                act: .know, actor: Self.judge, body: JSONObject(["verdict": "accept"]), clock: 2, thread: "th_w",
                judgedBy: work.stored.id),
            signingWith: nil)
        let rows = try await derived.trustScores(now: 0)
        #expect(rows.map(\.subject) == [Self.worker])
        #expect(rows.first?.successes == 1)
    }

    @Test func persistedFoldsResumeFromTheirWatermark() async throws {
        let store = try store()
        for clock in 1...5 as ClosedRange<Int64> {
            _ = try await store.ingest(
                know("th_t", clock: clock, body: JSONObject(["verdict": clock == 3 ? "reject" : "accept", "subject": .string(Self.worker)])),
                signingWith: nil)
        }
        let first = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        #expect(try await first.catchUp() == 5)
        try await first.persist()
        _ = try await store.ingest(
            RecordDraft(
                act: .learn, actor: "did:sync:user:op",
                body: JSONObject(["kind": "core.routing_rule.v1", "name": "r", "target": "did:sync:agent:a"]), clock: 1,
                thread: "th_engine_config"),
            signingWith: nil)

        let resumed = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        try await resumed.loadPersisted()
        #expect(try await resumed.catchUp() == 1, "only the record after the watermark is folded")
        let scratch = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        #expect(try await scratch.catchUp() == 6)
        #expect(await resumed.threads == scratch.threads)
        #expect(await resumed.trust == scratch.trust)
        #expect(await resumed.config == scratch.config)
        #expect(await resumed.tasks == scratch.tasks)
        #expect(try await resumed.engineConfig().routingRules.map(\.name) == ["r"])
    }

    @Test func tasksFollowTheLogAndResumeFromTheirWatermark() async throws {
        let store = try store()
        _ = try await store.ingest(
            RecordDraft(act: .intend, actor: Self.worker, body: JSONObject(["task": true, "goal": "g"]), clock: 1, thread: "th_task"),
            signingWith: nil)
        let first = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        #expect(try await first.taskStates().task("SKL-0001")?.status == .inbox)
        try await first.persist()
        _ = try await store.ingest(
            RecordDraft(act: .do, actor: Self.worker, body: JSONObject(["task_event": "start"]), clock: 2, thread: "th_task"),
            signingWith: nil)

        let resumed = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        try await resumed.loadPersisted()
        #expect(await resumed.tasks.watermark == 1, "the saved task fold comes back with its watermark")
        #expect(try await resumed.catchUp() == 1)
        #expect(await resumed.tasks.task("th_task")?.status == .active)
    }

    @Test func anUndecodableBlobIsDroppedAndFoldedAgain() async throws {
        let store = try store()
        _ = try await store.ingest(know("th_x", clock: 1, body: JSONObject(["text": "t"])), signingWith: nil)
        try await store.saveDerivedState(DerivedStateBlob(name: "threads.v1", watermark: 1, bytes: Array("not json".utf8)))
        let derived = DerivedState(store: store, trustedSigner: "did:example:instance", logger: Logger(label: "test"))
        try await derived.loadPersisted()
        #expect(try await store.loadDerivedState(name: "threads.v1") == nil)
        #expect(try await derived.thread("th_x")?.recordCount == 1)
    }
}

@Suite struct APIErrorTests {
    @Test func recordErrorsMapToTheStatusesOfSpec11() {
        #expect(APIError(RecordError(.duplicateClock, field: "clock", "taken")).status == .conflict)
        #expect(APIError(RecordError(.badSignature, field: "sig", "bad")).status.code == 422)
        let invalid = APIError(RecordError(.invalidClock, field: "records[3].clock", "negative"))
        #expect(invalid.status == .badRequest)
        #expect(invalid.jsonValue.serialized() == #"{"object":"error","code":"INVALID_CLOCK","message":"negative","field":"records[3].clock"}"#)
        let full = APIError(StoreError.storeFull(path: "/h/hub.db", sqliteMessage: "database or disk is full"))
        #expect(full.status.code == 507)
        #expect(full.code == "STORE_FULL")
        #expect(full.message == "the store is full; nothing was written")
    }

    @Test func theRouteTableReadsPathsAndMethodsFromTheRegistrations() {
        let table = RouteTable(InstanceRouter.make(
            gate: InstanceGate(), feed: RecordFeed(maxWatchers: 1), version: "test",
            browserGuard: BrowserRequestGuard(host: "127.0.0.1", port: 9100, allowedOrigins: [])))
        #expect(Set(table.methods(on: "/v1/records")) == [.get, .post])
        #expect(table.methods(on: "/v1/threads/th_a/state") == [.get])
        #expect(table.methods(on: "/v1/threads/th_a/other").isEmpty)
        #expect(table.methods(on: "/v1/tasks") == [.get])
        #expect(table.methods(on: "/v1/tasks/SKL-0001") == [.get])
        #expect(table.methods(on: "/v2/records").isEmpty)
    }

    @Test func startupErrorsCarryTheExitCodesOfSpec51() {
        #expect(StartupError.configuration("x").exitCode == 1)
        #expect(StartupError.store("x").exitCode == 2)
        #expect(StartupError.homeLocked("x").exitCode == 3)
        #expect(StartupError.addressInUse("address already in use: 127.0.0.1:9").exitCode == 4)
        #expect(StartupError.other("x").exitCode == 5)
        #expect(StartupError.addressInUse("address already in use: 127.0.0.1:9").description == "address already in use: 127.0.0.1:9")
    }
}
