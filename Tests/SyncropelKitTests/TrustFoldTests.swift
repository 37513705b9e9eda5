import Testing

@testable import SyncropelKit

@Suite struct TrustFoldTests {
    static let judge = "did:example:judge"
    static let worker = "did:example:worker"
    static let day = TrustScore.millisecondsPerDay

    @Test(arguments: [(0, 0, 0.3968), (10, 10, 0.6396), (45, 50, 0.7583), (0, 5, 0.2481), (100, 100, 0.9229)])
    func rawMatchesTheReferenceValues(successes: Int, trials: Int, expected: Double) {
        #expect(TrustScore.raw(successes: successes, trials: trials) == expected)
    }

    @Test func decayHalvesAfterOneHalfLife() {
        #expect(TrustScore.round4(TrustScore.decay(days: 30)) == 0.5)
        #expect(TrustScore.decay(days: 0) == 1)
        #expect(TrustScore.decay(days: -3) == 1)
        #expect(TrustScore.round4(TrustScore.decay(days: 10, halfLifeDays: 10)) == 0.5)
    }

    @Test func trustDecaysTowardsNeutral() {
        #expect(TrustScore.trust(raw: 0.7583, days: 5) == 0.7268)
        #expect(TrustScore.trust(raw: 0.7583, days: 0) == 0.7583)
        #expect(TrustScore.trust(raw: 0.7583, days: 100_000) == 0.47)
        #expect(TrustScore.trust(raw: 0.7583, days: 30) == 0.6142)
    }

    @Test func wholeDaysRoundDown() {
        #expect(TrustScore.wholeDays(from: 0, to: Self.day - 1) == 0)
        #expect(TrustScore.wholeDays(from: 0, to: 5 * Self.day + 1) == 5)
        #expect(TrustScore.wholeDays(from: Self.day, to: 0) == -1)
        #expect(TrustScore.wholeDays(from: 1, to: 0) == -1)
    }

    @Test func roundingIsHalfAwayFromZero() {
        #expect(TrustScore.round4(0.00005) == 0.0001)
        #expect(TrustScore.round4(0.12344) == 0.1234)
    }

    @Test func verdictsCountPerSubjectAndDomain() throws {
        var log = FoldLog()
        try log.add(
            .know, Self.judge, ["verdict": "accept", "subject": .string(Self.worker)], clock: 1, thread: "th_a")
        try log.add(
            .know, Self.judge, ["verdict": "reject", "subject": .string(Self.worker)], clock: 2, thread: "th_a")
        try log.add(
            .know, Self.judge, ["verdict": "accept", "subject": .string(Self.worker), "domain": "code"], clock: 3,
            thread: "th_a")
        try log.add(
            .know, Self.judge, ["verdict": "accept", "subject": .string(Self.worker), "domain": ""], clock: 4,
            thread: "th_a")
        let rows = TrustFold.fold(log.records) { _ in nil }.scores(now: 4_000)
        #expect(rows.map(\.domain) == ["code", "general"])
        #expect(rows.map(\.successes) == [1, 2])
        #expect(rows.map(\.trials) == [1, 3])
        #expect(rows[1].raw == TrustScore.raw(successes: 2, trials: 3))
        #expect(rows[1].trust == rows[1].raw)
    }

    @Test func onlyAcceptOrRejectOnKnowIsEvidence() throws {
        var log = FoldLog()
        let subject = JSONValue.string(Self.worker)
        try log.add(.do, Self.judge, ["verdict": "accept", "subject": subject], clock: 1, thread: "th_a")
        try log.add(.know, Self.judge, ["verdict": "maybe", "subject": subject], clock: 2, thread: "th_a")
        try log.add(.know, Self.judge, ["verdict": "accept", "subject": "worker"], clock: 3, thread: "th_a")
        try log.add(
            .know, Self.judge, ["verdict": "accept", "subject": subject, "domain": 5], clock: 4, thread: "th_a")
        try log.add(.know, Self.judge, ["verdict": "accept"], clock: 5, thread: "th_a")
        #expect(TrustFold.fold(log.records) { _ in Self.worker }.isEmpty)
    }

    @Test func selfVerdictIsIgnored() throws {
        var log = FoldLog()
        try log.add(
            .know, Self.worker, ["verdict": "accept", "subject": .string(Self.worker)], clock: 1, thread: "th_a")
        let work = try log.add(.do, Self.worker, ["text": "my work"], clock: 2, thread: "th_a")
        try log.add(.know, Self.worker, ["verdict": "accept"], clock: 3, thread: "th_a", judgedBy: work.id)
        #expect(TrustFold.fold(log.records) { $0 == work.id ? Self.worker : nil }.isEmpty)
    }

    @Test func subjectDefaultsToTheJudgedRecordsActor() throws {
        var log = FoldLog()
        let work = try log.add(.do, Self.worker, ["text": "work"], clock: 1, thread: "th_a")
        try log.add(.know, Self.judge, ["verdict": "accept"], clock: 1, thread: "th_b", judgedBy: work.id)
        let actors = [work.id: Self.worker]
        let rows = TrustFold.fold(log.records) { actors[$0] }.scores(now: 0)
        #expect(
            rows == [
                TrustRow(subject: Self.worker, domain: "general", successes: 1, trials: 1, raw: 0.4343, trust: 0.4343)
            ])
    }

    @Test func verdictArrivingBeforeTheJudgedRecordCountsWhenItArrives() throws {
        let work = try Record(
            act: .do, actor: Self.worker, body: JSONObject(["text": "work"]), clock: 1, thread: "th_a")
        var log = FoldLog()
        try log.add(.know, Self.judge, ["verdict": "reject"], clock: 1, thread: "th_b", judgedBy: work.id)
        var fold = TrustFold.fold(log.records) { _ in nil }
        #expect(fold.isEmpty)
        log.add(work)
        fold = try FoldLog.reloaded(fold)
        fold.apply(log.records[1]) { _ in nil }
        #expect(fold.scores(now: 0).map(\.subject) == [Self.worker])
        #expect(fold.scores(now: 0).map(\.successes) == [0])
    }

    @Test func decayRunsFromTheNewestVerdict() throws {
        var log = FoldLog()
        for clock in Int64(1)...50 {
            let verdict: JSONValue = clock <= 45 ? "accept" : "reject"
            try log.add(
                .know, Self.judge, ["verdict": verdict, "subject": .string(Self.worker)], clock: clock, thread: "th_a",
                createdAt: clock)
        }
        let fold = TrustFold.fold(log.records) { _ in nil }
        #expect(fold.scores(now: 50 + 5 * Self.day - 1).map(\.trust) == [0.7328])
        #expect(fold.scores(now: 50 + 5 * Self.day).map(\.trust) == [0.7268])
        #expect(fold.scores(now: 50 + 5 * Self.day).map(\.raw) == [0.7583])
        #expect(fold.scores(now: 0).map(\.trust) == [0.7583])
        #expect(fold.scores(now: 50 + 30 * Self.day, halfLifeDays: 15).map(\.trust) == [0.5421])
    }

    @Test func rowsSortBySubjectThenDomain() throws {
        var log = FoldLog()
        for (subject, domain) in [("did:b", "x"), ("did:a", "z"), ("did:a", "general"), ("did:b", "a")] {
            try log.add(
                .know, Self.judge, ["verdict": "accept", "subject": .string(subject), "domain": .string(domain)],
                clock: Int64(log.records.count), thread: "th_a")
        }
        let rows = TrustFold.fold(log.records) { _ in nil }.scores(now: 0)
        #expect(rows.map { "\($0.subject) \($0.domain)" } == ["did:a general", "did:a z", "did:b a", "did:b x"])
    }

    @Test func resumingFromASavedStateEqualsFoldingFromScratch() throws {
        var log = FoldLog()
        let work = try log.add(.do, Self.worker, ["text": "work"], clock: 1, thread: "th_a")
        try log.add(.know, Self.judge, ["verdict": "accept"], clock: 2, thread: "th_a", judgedBy: work.id)
        try log.add(
            .know, Self.judge, ["verdict": "reject", "subject": .string(Self.worker), "domain": "ops"], clock: 3,
            thread: "th_a")
        try log.add(
            .know, Self.worker, ["verdict": "accept", "subject": .string(Self.judge)], clock: 4, thread: "th_a")
        let actors = [work.id: Self.worker]
        let scratch = TrustFold.fold(log.records) { actors[$0] }
        for split in 0...log.records.count {
            var saved = try FoldLog.reloaded(TrustFold.fold(log.records[..<split]) { actors[$0] })
            for stored in log.records[split...] { saved.apply(stored) { actors[$0] } }
            #expect(saved == scratch)
            #expect(saved.scores(now: 0) == scratch.scores(now: 0))
        }
    }
}
