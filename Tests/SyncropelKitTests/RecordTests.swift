import Testing

@testable import SyncropelKit

@Suite struct RecordTests {
    func draft(_ text: String) throws(RecordError) -> RecordDraft {
        let value: JSONValue
        do { value = try JSONParser.parse(Array(text.utf8)) } catch { throw RecordError(.invalidJSON, "\(error)") }
        return try RecordDraft(json: value)
    }

    func refusal(_ text: String) -> RecordError? {
        do {
            _ = try draft(text).record()
            return nil
        } catch {
            return error
        }
    }

    static let valid = #"{"act":"KNOW","actor":"did:example:a","body":{},"clock":1,"thread":"th_x"}"#

    @Test func defaultsApply() throws {
        let record = try draft(Self.valid).record()
        #expect(record.dataType == .scalar)
        #expect(record.parents.isEmpty)
        #expect(record.signature == nil)
    }

    @Test func parentsAreSortedAndDeduplicated() throws {
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        let text = #"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","parents":["\#(b)","\#(a)","\#(b)"]}"#
        let record = try draft(text).record()
        #expect(record.parents.map(\.hex) == [a, b])
        let reordered = #"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","parents":["\#(a)","\#(b)"]}"#
        #expect(try draft(reordered).record().id == record.id)
    }

    @Test func missingClockTakesTheAssignedOne() throws {
        let d = try draft(#"{"act":"KNOW","actor":"did:x:y","body":{},"thread":"t"}"#)
        #expect(d.clock == nil)
        #expect(try d.record(assignedClock: 7).clock == 7)
        let own = try draft(Self.valid)
        #expect(try own.record(assignedClock: 7).clock == 1)
    }

    @Test(arguments: [
        (#"[1]"#, RecordError.Code.invalidJSON, nil as String?, "INVALID_JSON: a record must be a JSON object"),
        (#"{"actor":"did:x:y","body":{},"clock":1,"thread":"t"}"#, .invalidField, "act", #"INVALID_FIELD: missing field "act""#),
        (#"{"act":5,"actor":"did:x:y","body":{},"clock":1,"thread":"t"}"#, .invalidField, "act", #"INVALID_FIELD: "act" must be a string"#),
        (#"{"act":"SHOUT","actor":"did:x:y","body":{},"clock":1,"thread":"t"}"#, .invalidAct, "act",
            "INVALID_ACT: act must be one of INTEND DO KNOW LEARN GET PUT CALL MAP"),
        (#"{"act":"KNOW","actor":"alice","body":{},"clock":1,"thread":"t"}"#, .invalidField, "actor", "INVALID_FIELD: actor must be a DID (did:…)"),
        (#"{"act":"KNOW","actor":"did:x:y","body":[],"clock":1,"thread":"t"}"#, .invalidField, "body", #"INVALID_FIELD: "body" must be an object"#),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":-1,"thread":"t"}"#, .invalidClock, "clock", "INVALID_CLOCK: clock must be 0 or more"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1.5,"thread":"t"}"#, .invalidClock, "clock", "INVALID_CLOCK: clock must be an integer"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":"1","thread":"t"}"#, .invalidClock, "clock", "INVALID_CLOCK: clock must be an integer"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":9223372036854775808,"thread":"t"}"#, .invalidClock, "clock",
            "INVALID_CLOCK: clock must be at most 2^63-1"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","data_type":"BLOB"}"#, .invalidDataType, "data_type",
            "INVALID_DATA_TYPE: data_type must be one of SCALAR FORMULA DISTRIBUTION REFERENCE MORPHISM VOID"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"a b"}"#, .invalidThread, "thread",
            "INVALID_THREAD: thread may hold only A-Z a-z 0-9 _ . : -"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":""}"#, .invalidThread, "thread", "INVALID_THREAD: thread must be 1–256 bytes"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","parents":["abc"]}"#, .invalidParents, "parents[0]",
            "INVALID_PARENTS: parents must be record ids (64 lowercase hex)"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","parents":"x"}"#, .invalidParents, "parents",
            "INVALID_PARENTS: parents must be an array of record ids"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","color":"red"}"#, .invalidField, "color",
            #"INVALID_FIELD: unknown field "color""#),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","sig":"abc"}"#, .badSignature, "signer",
            "BAD_SIGNATURE: sig and signer come together or not at all"),
        (#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","judged_by":"x"}"#, .invalidField, "judged_by",
            #"INVALID_FIELD: "judged_by" must be a record id or null"#),
    ])
    func refusedWithCodeFieldAndMessage(text: String, code: RecordError.Code, field: String?, message: String) throws {
        let error = try #require(refusal(text))
        #expect(error.code == code)
        #expect(error.field == field)
        #expect(error.description == message)
    }

    @Test func overlongThreadAndActorAndTooManyParents() {
        let longThread = String(repeating: "t", count: 257)
        #expect(refusal(#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"\#(longThread)"}"#)?.code == .invalidThread)
        let longActor = "did:" + String(repeating: "a", count: 509)
        #expect(refusal(#"{"act":"KNOW","actor":"\#(longActor)","body":{},"clock":1,"thread":"t"}"#)?.field == "actor")
        let parents = (0..<65).map { "\"" + String(format64($0)) + "\"" }.joined(separator: ",")
        #expect(refusal(#"{"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t","parents":[\#(parents)]}"#)?.code == .invalidParents)
    }

    private func format64(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 64 - hex.count) + hex
    }

    @Test func bodyOverOneMebibyteIsRefused() {
        let big = String(repeating: "x", count: (1 << 20) + 1)
        let error = refusal(#"{"act":"KNOW","actor":"did:x:y","body":{"t":"\#(big)"},"clock":1,"thread":"t"}"#)
        #expect(error?.code == .invalidField)
        #expect(error?.field == "body")
    }

    @Test func batchPathsNameTheRecord() {
        let error = RecordError(.invalidClock, field: "clock", "clock must be 0 or more").inBatch(at: 3)
        #expect(error.field == "records[3].clock")
        #expect(error.description == "INVALID_CLOCK: records[3]: clock must be 0 or more")
    }

    @Test func exportFieldsAreStrippedOnlyWhenAsked() throws {
        let exported = #"{"object":"record","id":"x","sequence":4,"created_at":1,"act":"KNOW","actor":"did:x:y","body":{},"clock":1,"thread":"t"}"#
        #expect(refusal(exported)?.field == "object")
        let value = try JSONParser.parse(Array(exported.utf8))
        #expect(try RecordDraft(json: value, stripExportFields: true).record().clock == 1)
    }

    @Test func storedBytesRoundTripAndTamperingShows() throws {
        let record = try draft(#"{"act":"KNOW","actor":"did:x:y","body":{"b":1.0,"a":"é"},"clock":1,"thread":"t"}"#).record()
        let reread = try Record(canonical: record.canonical, judgedBy: nil, signature: nil)
        #expect(reread.id == record.id)
        #expect(reread.isCanonicalFormValid)
        var tampered = record.canonical
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "1")))
        tampered[index] = UInt8(ascii: "2")
        let changed = try Record(canonical: tampered, judgedBy: nil, signature: nil)
        #expect(changed.id != record.id)
        let spaced = Array(String(decoding: record.canonical, as: UTF8.self).replacingOccurrences(of: ":1,", with: ": 1,").utf8)
        #expect(try Record(canonical: spaced, judgedBy: nil, signature: nil).isCanonicalFormValid == false)
    }

    @Test func storedRecordWireForm() throws {
        let record = try draft(Self.valid).record()
        let stored = StoredRecord(record: record, sequence: 9, createdAt: 1_700_000_000_000)
        let object = try #require(stored.jsonValue.objectValue)
        #expect(object["object"] == "record")
        #expect(object["id"] == .string(record.id.hex))
        #expect(object["sequence"] == 9)
        #expect(object["judged_by"] == .null)
        #expect(object["sig"] == nil)
    }

    @Test(arguments: [
        ("music.catalog.track", true), ("music.catalog.track.v2", true), ("@music.track", true), ("core.alias", true),
        ("x.foo.bar", true), ("core.v2", true), ("core.a.b.v10", true), ("@music.track.v2", true), ("-.-.-", true),
        ("a.b-c.d_e", true), ("music.track_imported", false), ("Music.Catalog.Track", false),
        ("music.catalog.track.v2.foo", false), ("x.foo", false), ("a.b.c.v", false), ("a.b.c.V2", false),
        ("a.b.c.2", false), ("@.a", false), ("@Music.track", false), ("a..b", false), ("a.b.", false),
        ("é.b.c", false), ("a.b c.d", false), ("music.catalog.track\n", false), ("a.b.c.v٣", false),
    ])
    func kindGrammar(kind: String, valid: Bool) {
        #expect(RecordRules.isValidKind(kind) == valid)
    }
}
