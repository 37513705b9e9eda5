import Foundation
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

/// The filter parser (what it accepts and how it names what it refuses) and the
/// SQL it becomes, run against a real store.
@Suite(.postgresServer, .timeLimit(.minutes(5))) struct RecordQueryTests {
    private func parse(_ text: String) throws -> RecordFilter {
        try RecordFilter(json: try JSONParser.parse(Array(text.utf8)))
    }

    private func refusal(_ text: String) -> RecordQueryError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as RecordQueryError {
            return error
        } catch {
            return RecordQueryError(field: "?", "\(error)")
        }
    }

    @Test func implicitEqualityOperatorsAndCombinatorsParse() throws {
        #expect(try parse(#"{"act":"KNOW"}"#) == .compare(.act, .equal, .string("KNOW")))
        #expect(try parse(#"{"act":{"$eq":"KNOW"}}"#) == .compare(.act, .equal, .string("KNOW")))
        #expect(try parse(#"{"clock":{"$gte":1,"$lt":9}}"#) == .all([.compare(.clock, .greaterOrEqual, .integer(1)), .compare(.clock, .less, .integer(9))]))
        #expect(try parse(#"{"body.a.b":{"$ne":null}}"#) == .not(.compare(.body(["a", "b"]), .equal, .null)))
        #expect(try parse(#"{"body.n":{"$nin":[1,2.5,"x",true]}}"#) == .not(.oneOf(.body(["n"]), [.integer(1), .double(2.5), .string("x"), .bool(true)])))
        #expect(try parse(#"{"$or":[{"act":"DO"},{"$not":{"namespace":"default"}}]}"#)
            == .any([.compare(.act, .equal, .string("DO")), .not(.compare(.namespace, .equal, .string("default")))]))
        #expect(try parse(#"{"body.x":{"$exists":false},"data_type":{"$like":"SC%"}}"#)
            == .all([.not(.exists(.body(["x"]))), .like(.dataType, pattern: "SC%", caseSensitive: true)]))
        #expect(try parse("{}") == .all([]))
    }

    @Test func refusalsNameThePlaceInTheRequest() {
        let cases: [(filter: String, field: String, message: String)] = [
            (#"{"kind":"x"}"#, "filter.kind",
             #"unknown field path "kind"; fields are id thread actor act clock data_type namespace created_at sequence and body.<path>"#),
            (#"{"body":"x"}"#, "filter.body",
             #"unknown field path "body"; fields are id thread actor act clock data_type namespace created_at sequence and body.<path>"#),
            (#"{"body.a b":1}"#, "filter.body.a b",
             #"unknown field path "body.a b"; fields are id thread actor act clock data_type namespace created_at sequence and body.<path>"#),
            (#"{"clock":{"$gtt":1}}"#, "filter.clock.$gtt",
             "unknown operator $gtt; use one of $eq $exists $gt $gte $ilike $in $like $lt $lte $ne $nin"),
            (#"{"$xor":[]}"#, "filter.$xor", "unknown operator $xor; combine filters with $and, $or or $not"),
            (#"{"clock":"1"}"#, "filter.clock", "clock compares with an integer"),
            (#"{"clock":{"$gt":1.5}}"#, "filter.clock.$gt", "clock compares with an integer"),
            (#"{"actor":{"$in":["did:a",7]}}"#, "filter.actor.$in[1]", "actor compares with a string"),
            (#"{"act":{"$in":"KNOW"}}"#, "filter.act.$in", "takes an array of values"),
            (#"{"body.a":{"b":1}}"#, "filter.body.a.b", #"expected an operator such as $eq, not "b"; objects cannot be compared"#),
            (#"{"body.a":[1]}"#, "filter.body.a",
             "compare with a string, number, true, false or null; objects and arrays cannot be compared"),
            (#"{"body.a":{"$gt":true}}"#, "filter.body.a.$gt", "order comparisons take a string or a number"),
            (#"{"body.a":{}}"#, "filter.body.a", "an operator document needs at least one operator such as $eq"),
            (#"{"$and":[]}"#, "filter.$and", "$and takes a non-empty array of filters"),
            (#"{"$or":[{"act":"DO"},3]}"#, "filter.$or[1]", "a filter must be a JSON object"),
            (#"{"clock":{"$like":"1%"}}"#, "filter.clock.$like", "$like applies to text; clock is an integer"),
            (#"{"body.t":{"$ilike":"ab\\"}}"#, "filter.body.t.$ilike", "$ilike pattern ends with an escaping backslash"),
            (#"{"body.e":{"$exists":1}}"#, "filter.body.e.$exists", "$exists takes true or false"),
            (#"{"body.n":123456789012345678901234567890}"#, "filter.body.n", "integers beyond 64 bits cannot be compared"),
            ("[1]", "filter", "a filter must be a JSON object"),
            (#"{"body.t":{"$like":"\#(String(repeating: "%", count: 4097))"}}"#, "filter.body.t.$like", "$like patterns are at most 4096 bytes"),
        ]
        for row in cases {
            #expect(refusal(row.filter) == RecordQueryError(field: row.field, row.message), "\(row.filter)")
        }
        let tooMany = "{\"$or\":[" + Array(repeating: #"{"act":"DO"}"#, count: 257).joined(separator: ",") + "]}"
        #expect(refusal(tooMany) == RecordQueryError(field: "filter.$or[256].act", "a filter may hold at most 256 conditions"))
        let longList = "{\"actor\":{\"$in\":[" + Array(repeating: #""did:x""#, count: 1001).joined(separator: ",") + "]}}"
        #expect(refusal(longList) == RecordQueryError(field: "filter.actor.$in", "a filter may list at most 1000 values in $in and $nin together"))
    }

    @Test func sortReadsTheDocumentedForm() throws {
        #expect(try RecordSort.list(json: ["clock": -1, "body.p": 1]) == [RecordSort(.clock, descending: true), RecordSort(.body(["p"]))])
        #expect(throws: RecordQueryError(field: "sort.clock", "a sort direction is 1 (ascending) or -1 (descending)")) {
            try RecordSort.list(json: ["clock": "desc"])
        }
        #expect(throws: RecordQueryError(field: "sort", "sort is an object of field paths, each 1 (ascending) or -1 (descending), such as {\"clock\": -1}")) {
            try RecordSort.list(json: [["field": "clock"]])
        }
    }

    @Test func likeBecomesACaseSensitiveGlobWithItsSpecialsMadeLiteral() {
        #expect(RecordFilterSQL.globPattern(fromLike: "music/%") == "music/*")
        #expect(RecordFilterSQL.globPattern(fromLike: "a_c") == "a?c")
        #expect(RecordFilterSQL.globPattern(fromLike: #"100\%*[x]?"#) == "100%[*][[]x][?]")
        #expect(RecordFilterSQL.globPattern(fromLike: #"\_\\"#) == #"_\"#)
    }

    @Test func clientValuesAreBoundNeverWrittenIntoTheSQL() throws {
        let filter = try parse(#"{"actor":"did:x' OR 1=1 --","body.k":{"$like":"%'; DROP TABLE records; --"}}"#)
        let sql = RecordFilterSQL(filter)
        #expect(!sql.sql.contains("did:x"))
        #expect(!sql.sql.contains("DROP"))
        #expect(!sql.sql.contains("body"))
        #expect(sql.sql.filter { $0 == "?" }.count == 4)
        #expect(sql.arguments.description.contains("DROP TABLE records"))

        let postgres = RecordFilterPostgres(filter)
        #expect(!postgres.sql.contains("did:x"))
        #expect(!postgres.sql.contains("DROP"))
        #expect(!postgres.sql.contains("body"))
        #expect(postgres.sql.contains("$4"))
        #expect(!postgres.sql.contains("$5"))
        #expect(postgres.binds.count == 4)
    }

    // MARK: Against a real store

    /// Eight records on two threads by two actors, with bodies of every JSON type.
    private func seededStore(_ fixture: StoreFixture, _ backend: StoreBackend) async throws -> (any RecordStore, [StoredRecord]) {
        let store = try await fixture.openStore(backend)
        let bodies: [(Act, String, String, Int64, JSONValue)] = [
            (.intend, "did:example:alice", "th_a", 1, ["goal": "ship", "kind": "core.task.record", "priority": 3]),
            (.know, "did:example:alice", "th_a", 2, ["text": "Music/Glow", "n": 1, "flag": true]),
            (.know, "did:example:bob", "th_a", 3, ["text": "music/low", "n": "1", "flag": false, "namespace": "acme/eng"]),
            (.do, "did:example:bob", "th_b", 1, ["text": "50% done", "n": 2.5, "nested": ["deep": ["x": "y"]]]),
            (.know, "did:example:alice", "th_b", 2, ["text": "a_b", "n": .null, "kind": "core.task.record.v1"]),
            (.learn, "did:example:bob", "th_b", 3, ["text": "[x]*?", "n": 10, "namespace": "acme"]),
            (.put, "did:example:alice", "th_b", 4, ["n": -4, "priority": 1]),
            (.get, "did:example:bob", "th_a", 4, ["n": ["array"], "priority": 2]),
        ]
        let drafts = bodies.map { act, actor, thread, clock, body in
            RecordDraft(act: act, actor: actor, body: body.objectValue ?? JSONObject(), clock: clock, dataType: act == .learn ? .void : .scalar, thread: thread)
        }
        let stored = try await store.ingest(batch: drafts, signingWith: nil).map(\.stored)
        return (store, stored)
    }

    private func clocksAndThreads(_ store: any RecordStore, _ filter: String, sort: [RecordSort] = []) async throws -> [String] {
        let result = try await store.query(RecordQuery(filter: try parse(filter), sort: sort, limit: 100, countingMatches: true))
        #expect(result.matchedTotal == result.records.count)
        return result.records.map { "\($0.record.thread)/\($0.record.clock)" }
    }

    @Test(arguments: StoreBackend.allCases) func filtersSelectByTheStoredJSONType(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let (store, _) = try await seededStore(fixture, backend)
        let cases: [(filter: String, expected: [String])] = [
            (#"{"act":"KNOW"}"#, ["th_a/2", "th_a/3", "th_b/2"]),
            (#"{"body.n":1}"#, ["th_a/2"]),
            (#"{"body.n":"1"}"#, ["th_a/3"]),
            (#"{"body.n":{"$gt":2}}"#, ["th_b/1", "th_b/3"]),
            (#"{"body.n":{"$lte":1}}"#, ["th_a/2", "th_b/4"]),
            (#"{"body.n":null}"#, ["th_b/2"]),
            (#"{"body.n":{"$ne":1}}"#, ["th_a/1", "th_a/3", "th_b/1", "th_b/2", "th_b/3", "th_b/4", "th_a/4"]),
            (#"{"body.n":{"$in":[1,"1",true,null]}}"#, ["th_a/2", "th_a/3", "th_b/2"]),
            (#"{"body.n":{"$nin":[1,"1",null]}}"#, ["th_a/1", "th_b/1", "th_b/3", "th_b/4", "th_a/4"]),
            (#"{"body.flag":true}"#, ["th_a/2"]),
            (#"{"body.flag":false}"#, ["th_a/3"]),
            (#"{"body.flag":{"$exists":true}}"#, ["th_a/2", "th_a/3"]),
            (#"{"body.n":{"$exists":false}}"#, ["th_a/1"]),
            (#"{"body.nested.deep.x":"y"}"#, ["th_b/1"]),
            (#"{"body.text":{"$like":"music/%"}}"#, ["th_a/3"]),
            (#"{"body.text":{"$ilike":"music/%"}}"#, ["th_a/2", "th_a/3"]),
            (#"{"body.text":{"$like":"50\\% %"}}"#, ["th_b/1"]),
            (#"{"body.text":{"$like":"a\\_b"}}"#, ["th_b/2"]),
            (#"{"body.text":{"$like":"[x]*?"}}"#, ["th_b/3"]),
            (#"{"namespace":"default"}"#, ["th_a/1", "th_a/2", "th_b/1", "th_b/2", "th_b/4", "th_a/4"]),
            (#"{"namespace":{"$like":"acme%"}}"#, ["th_a/3", "th_b/3"]),
            (#"{"data_type":"VOID"}"#, ["th_b/3"]),
            (#"{"thread":"th_b","clock":{"$gte":2}}"#, ["th_b/2", "th_b/3", "th_b/4"]),
            (#"{"$or":[{"actor":"did:example:bob","thread":"th_b"},{"body.kind":{"$like":"core.task.%"}}]}"#,
             ["th_a/1", "th_b/1", "th_b/2", "th_b/3"]),
            (#"{"$not":{"$or":[{"thread":"th_a"},{"clock":{"$lt":3}}]}}"#, ["th_b/3", "th_b/4"]),
            (#"{"act":{"$in":[]}}"#, []),
            (#"{"act":{"$nin":[]}}"#, ["th_a/1", "th_a/2", "th_a/3", "th_b/1", "th_b/2", "th_b/3", "th_b/4", "th_a/4"]),
        ]
        for row in cases {
            #expect(try await clocksAndThreads(store, row.filter) == row.expected, "\(row.filter)")
        }
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func sortLimitOffsetAndCountWorkTogether(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let (store, stored) = try await seededStore(fixture, backend)
        #expect(try await clocksAndThreads(store, #"{"body.priority":{"$exists":true}}"#, sort: [RecordSort(.body(["priority"]), descending: true)])
            == ["th_a/1", "th_a/4", "th_b/4"])
        #expect(try await clocksAndThreads(store, #"{"thread":"th_a"}"#, sort: [RecordSort(.clock, descending: true)])
            == ["th_a/4", "th_a/3", "th_a/2", "th_a/1"])
        let page = try await store.query(RecordQuery(sort: [RecordSort(.clock)], limit: 3, offset: 2, countingMatches: true))
        // By (clock, sequence): th_a/1 th_b/1 th_a/2 th_b/2 th_a/3 …; the page skips two.
        #expect(page.records.map(\.sequence) == [stored[1].sequence, stored[4].sequence, stored[2].sequence])
        #expect(page.hasMore)
        #expect(page.matchedTotal == 8)
        let last = try await store.query(RecordQuery(limit: 3, offset: 6))
        #expect(last.records.map(\.sequence) == [stored[6].sequence, stored[7].sequence])
        #expect(!last.hasMore)
        #expect(last.matchedTotal == nil)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases) func explainSaysWhichFieldsCameFromColumnsAndWhichFromTheJSON(backend: StoreBackend) async throws {
        let fixture = StoreFixture()
        let (store, _) = try await seededStore(fixture, backend)
        let result = try await store.query(RecordQuery(
            filter: try parse(#"{"thread":"th_a","body.kind":"core.task.record"}"#), sort: [RecordSort(.clock)], explaining: true))
        #expect(result.records.count == 1)
        let plan = try #require(result.plan)
        #expect(plan.columnFields == ["thread", "clock"])
        #expect(plan.jsonFields == ["body.kind"])
        switch backend {
        case .sqlite:
            #expect(plan.steps.contains { $0.contains("records_thread_clock_actor") }, "\(plan.steps)")
        case .postgres:
            // PostgreSQL's EXPLAIN lines: on eight rows the planner may scan rather than use an index.
            #expect(plan.steps.first?.hasPrefix("Limit") == true, "\(plan.steps)")
            #expect(plan.steps.contains { $0.contains(" on records") }, "\(plan.steps)")
        }
        try await store.close()
    }
}
