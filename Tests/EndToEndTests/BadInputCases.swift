import Foundation
import SyncropelTestSupport

/// One malformed request and the answer SPEC 11 documents for it.
///
/// `code` nil means the request never reaches the routes: SwiftNIO's HTTP/1.1
/// decoder answers a broken request head with a bare `400` and closes.
struct BadInputCase {
    let name: String
    let request: [UInt8]
    let status: Int
    let code: String?
    var field: String?
    var message: String?
}

/// The table of `BadInputTests`, grouped by the error code each row provokes.
enum BadInputCases {
    static let thread = "th_bad_input"
    static let actor = "did:sync:user:bad-input"
    /// The record the suite stores first, so a different record at its clock collides.
    static let seededClock = 5

    /// An envelope written token by token, so any field can hold any JSON text.
    static func envelope(
        act: String = #""KNOW""#, actor: String = #""\#(actor)""#, body: String = #"{"text":"hi"}"#, clock: String = "1",
        dataType: String = #""SCALAR""#, parents: String = "[]", thread: String = #""\#(thread)""#, extra: String = ""
    ) -> String {
        #"{"act":\#(act),"actor":\#(actor),"body":\#(body),"clock":\#(clock),"data_type":\#(dataType),"parents":\#(parents),"thread":\#(thread)\#(extra)}"#
    }

    static func post(_ text: String, to path: String = "/v1/records", contentType: String? = "application/json") -> [UInt8] {
        RawHTTPExchange.request("POST", path, body: Array(text.utf8), contentType: contentType)
    }

    static func post(bytes: [UInt8], to path: String = "/v1/records") -> [UInt8] {
        RawHTTPExchange.request("POST", path, body: bytes)
    }

    static func get(_ path: String) -> [UInt8] {
        RawHTTPExchange.request("GET", path, contentType: nil)
    }

    static func batch(_ records: [String], extra: String = "") -> String {
        #"{"records":[\#(records.joined(separator: ","))]\#(extra)}"#
    }

    /// `envelope()` with `bytes` spliced in as the body's text value.
    static func envelope(withTextBytes bytes: [UInt8]) -> [UInt8] {
        let parts = envelope(body: #"{"text":"@"}"#).split(separator: "@", omittingEmptySubsequences: false)
        return Array(parts[0].utf8) + bytes + Array(parts[1].utf8)
    }

    static func rows(signerDID: String) -> [BadInputCase] {
        invalidJSON + tooLarge + mediaTypes + routes + invalidFields + queryFields + envelopeRules(signerDID: signerDID)
    }

    static let invalidJSON: [BadInputCase] = {
        let good = envelope()
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        return [
            BadInputCase(name: "truncated JSON", request: post(#"{"act":"KNOW","actor":"#), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "empty body", request: post(""), status: 400, code: "INVALID_JSON",
                         message: "invalid JSON at byte 0: unexpected end of input, expected a value"),
            BadInputCase(name: "body is an array", request: post("[1,2]"), status: 400, code: "INVALID_JSON",
                         message: "the body must be a JSON object"),
            BadInputCase(name: "body is a bare string", request: post(#""record""#), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "trailing comma", request: post(#"{"act":"KNOW",}"#), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "single-quoted keys", request: post("{'act':'KNOW'}"), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "content after the object", request: post(good + "x"), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "duplicate key", request: post(envelope(extra: #","act":"DO""#)), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "NaN", request: post(envelope(body: #"{"x":NaN}"#)), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "Infinity", request: post(envelope(body: #"{"x":Infinity}"#)), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "-Infinity as the clock", request: post(envelope(clock: "-Infinity")), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "number beyond a double", request: post(envelope(body: #"{"x":1e400}"#)), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "lone high surrogate escape", request: post(envelope(body: #"{"x":"\ud800"}"#)), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "lone low surrogate escape", request: post(envelope(body: #"{"x":"\udc00a"}"#)), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "invalid UTF-8 byte 0xFF", request: post(bytes: envelope(withTextBytes: [0x61, 0xFF, 0x62])), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "overlong UTF-8 encoding of /", request: post(bytes: envelope(withTextBytes: [0xC0, 0xAF])), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "UTF-8 encoded surrogate", request: post(bytes: envelope(withTextBytes: [0xED, 0xA0, 0x80])), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "UTF-8 sequence cut short", request: post(bytes: envelope(withTextBytes: [0xE2, 0x82])), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "invalid UTF-8 outside strings", request: post(bytes: [0xFE, 0x7B, 0x7D]), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "raw control character in a string", request: post(bytes: envelope(withTextBytes: [0x01])), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "nesting 65 levels deep", request: post(envelope(body: #"{"x":\#(deep)}"#)), status: 400, code: "INVALID_JSON",
                         message: "invalid JSON at byte 122: nesting deeper than 64 levels"),
            BadInputCase(name: "integer of 4301 digits", request: post(envelope(body: #"{"x":\#(String(repeating: "7", count: 4301))}"#)),
                         status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "Content-Length shorter than the body",
                         request: RawHTTPExchange.request("POST", "/v1/records", body: Array(good.utf8), contentLength: String(good.utf8.count - 10)),
                         status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "Content-Length longer than the body",
                         request: RawHTTPExchange.request("POST", "/v1/records", body: Array(good.utf8), contentLength: String(good.utf8.count + 50)),
                         status: 400, code: "INVALID_JSON",
                         message: "the request body ended before it was complete (stream ended at an unexpected time)"),
            BadInputCase(name: "chunked body cut mid-chunk",
                         request: Array("POST /v1/records HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer \(TestToken.bootstrap)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"act\":".utf8),
                         status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "batch item that is not an object", request: post(batch(["7"])), status: 400, code: "INVALID_JSON",
                         field: "records[0]", message: "records[0]: a record must be a JSON object"),
            BadInputCase(name: "query body that is not JSON", request: post("filter=act", to: "/v1/records/query"), status: 400, code: "INVALID_JSON"),
            BadInputCase(name: "Content-Length that is not a number",
                         request: RawHTTPExchange.request("POST", "/v1/records", body: Array(good.utf8), contentLength: "ten"),
                         status: 400, code: nil),
            BadInputCase(name: "request line that is not HTTP", request: Array("HELLO\r\n\r\n".utf8), status: 400, code: nil),
        ]
    }()

    static let tooLarge: [BadInputCase] = {
        let fiveMiB = envelope(body: #"{"text":"\#(String(repeating: "a", count: 5 << 20))"}"#)
        let nineMiB = batch((0..<9).map { envelope(body: #"{"text":"\#(String(repeating: "b", count: 1 << 20))"}"#, clock: String($0 + 100)) })
        let records = (0..<1001).map { envelope(clock: String($0 + 1000)) }
        return [
            BadInputCase(name: "5 MiB single record", request: post(fiveMiB), status: 413, code: "PAYLOAD_TOO_LARGE",
                         message: "a single record may be at most 2 MiB; send larger sets as a batch"),
            BadInputCase(name: "9 MiB batch", request: post(nineMiB), status: 413, code: "PAYLOAD_TOO_LARGE",
                         message: "the request body is larger than 8 MiB"),
            BadInputCase(name: "batch of 1001 records", request: post(batch(records)), status: 413, code: "PAYLOAD_TOO_LARGE",
                         message: "a batch may hold at most 1000 records; it has 1001"),
        ]
    }()

    static let mediaTypes: [BadInputCase] = [
        BadInputCase(name: "text/plain", request: post(envelope(), contentType: "text/plain"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE",
                     message: "send the body as application/json, not text/plain"),
        BadInputCase(name: "form-encoded", request: post(envelope(), contentType: "application/x-www-form-urlencoded"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"),
        BadInputCase(name: "multipart", request: post(envelope(), contentType: "multipart/form-data; boundary=x"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"),
        BadInputCase(name: "content type of only a semicolon", request: post(envelope(), contentType: ";"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"),
        BadInputCase(name: "query sent as XML", request: post("{}", to: "/v1/records/query", contentType: "application/xml"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"),
    ]

    static let routes: [BadInputCase] = {
        let zeros = String(repeating: "0", count: 64)
        return [
            BadInputCase(name: "unknown route", request: get("/v1/nowhere"), status: 404, code: "NOT_FOUND", message: "no route GET /v1/nowhere"),
            BadInputCase(name: "root path", request: get("/"), status: 404, code: "NOT_FOUND"),
            BadInputCase(name: "unknown version prefix", request: post(envelope(), to: "/v2/records"), status: 404, code: "NOT_FOUND"),
            BadInputCase(name: "unknown record id", request: get("/v1/records/\(zeros)"), status: 404, code: "NOT_FOUND",
                         message: "no record \(zeros) in this store"),
            BadInputCase(name: "record id that is not hex", request: get("/v1/records/not-a-record"), status: 404, code: "NOT_FOUND"),
            BadInputCase(name: "DELETE on the records route", request: RawHTTPExchange.request("DELETE", "/v1/records", contentType: nil),
                         status: 405, code: "METHOD_NOT_ALLOWED", message: "DELETE is not allowed on /v1/records"),
            BadInputCase(name: "PUT on one record", request: RawHTTPExchange.request("PUT", "/v1/records/\(zeros)", body: Array(envelope().utf8)),
                         status: 405, code: "METHOD_NOT_ALLOWED"),
            BadInputCase(name: "GET on the query route", request: get("/v1/records/query"), status: 405, code: "METHOD_NOT_ALLOWED"),
            BadInputCase(name: "PATCH on /health", request: RawHTTPExchange.request("PATCH", "/health", body: Array("{}".utf8)),
                         status: 405, code: "METHOD_NOT_ALLOWED"),
            BadInputCase(name: "POST on the thread list", request: post("{}", to: "/v1/threads"), status: 405, code: "METHOD_NOT_ALLOWED"),
        ]
    }()

    /// A body of 1.5 MiB: under the 2 MiB request limit, over the 1 MiB body limit.
    static let bigBody = #"{"text":"\#(String(repeating: "c", count: 3 << 19))"}"#

    static let invalidFields: [BadInputCase] = [
        BadInputCase(name: "unknown top-level field", request: post(envelope(extra: #","colour":"red""#)), status: 400, code: "INVALID_FIELD",
                     field: "colour", message: #"unknown field "colour""#),
        BadInputCase(name: "missing actor", request: post(#"{"act":"KNOW","body":{},"clock":1,"thread":"th_bad_input"}"#), status: 400,
                     code: "INVALID_FIELD", field: "actor", message: #"missing field "actor""#),
        BadInputCase(name: "actor that is not a DID", request: post(envelope(actor: #""alice""#)), status: 400, code: "INVALID_FIELD", field: "actor"),
        BadInputCase(name: "actor that is a number", request: post(envelope(actor: "42")), status: 400, code: "INVALID_FIELD", field: "actor"),
        BadInputCase(name: "act that is a number", request: post(envelope(act: "1")), status: 400, code: "INVALID_FIELD", field: "act"),
        BadInputCase(name: "body that is a string", request: post(envelope(body: #""hi""#)), status: 400, code: "INVALID_FIELD", field: "body"),
        BadInputCase(name: "thread that is a number", request: post(envelope(thread: "7")), status: 400, code: "INVALID_FIELD", field: "thread"),
        BadInputCase(name: "body over 1 MiB in canonical form", request: post(envelope(body: bigBody)), status: 400, code: "INVALID_FIELD",
                     field: "body", message: "body is 1572875 bytes in canonical form; the limit is 1 MiB"),
        BadInputCase(name: "body over 1 MiB inside a batch", request: post(batch([envelope(clock: "48"), envelope(body: bigBody, clock: "49")])),
                     status: 400, code: "INVALID_FIELD", field: "records[1].body"),
        BadInputCase(name: "judged_by that is not a record id", request: post(envelope(extra: #","judged_by":"abc""#)), status: 400,
                     code: "INVALID_FIELD", field: "judged_by"),
        BadInputCase(name: "batch wrapper with an unknown field", request: post(batch([envelope()], extra: #","note":"x""#)), status: 400,
                     code: "INVALID_FIELD", field: "note",
                     message: #"unknown field "note" beside records; a batch is {"records":[…], "sign"?: false}"#),
        BadInputCase(name: "batch sign that is not a boolean", request: post(batch([envelope()], extra: #","sign":"no""#)), status: 400,
                     code: "INVALID_FIELD", field: "sign", message: "sign must be true or false"),
        BadInputCase(name: "records that is not an array", request: post(#"{"records":{}}"#), status: 400, code: "INVALID_FIELD",
                     field: "records", message: "records must be an array of record envelopes"),
        BadInputCase(name: "list limit 0", request: get("/v1/records?limit=0"), status: 400, code: "INVALID_FIELD", field: "limit",
                     message: "limit must be an integer from 1 to 1000"),
        BadInputCase(name: "list limit that is not a number", request: get("/v1/records?limit=ten"), status: 400, code: "INVALID_FIELD", field: "limit"),
        BadInputCase(name: "thread page limit above 1000", request: get("/v1/threads/th_x/records?limit=5000"), status: 400, code: "INVALID_FIELD", field: "limit"),
        BadInputCase(name: "unknown list parameter", request: get("/v1/records?colour=red"), status: 400, code: "INVALID_FIELD", field: "colour",
                     message: #"unknown parameter "colour"; this route takes actor, cursor, limit, since, thread"#),
        BadInputCase(name: "unknown thread page parameter", request: get("/v1/threads/th_x/records?order=desc"), status: 400,
                     code: "INVALID_FIELD", field: "order",
                     message: #"unknown parameter "order"; this route takes cursor, limit, since"#),
        BadInputCase(name: "list parameter given twice", request: get("/v1/records?limit=1&limit=2"), status: 400, code: "INVALID_FIELD",
                     field: "limit", message: "limit is given more than once"),
        BadInputCase(name: "since that is not a clock", request: get("/v1/records?since=yesterday"), status: 400, code: "INVALID_FIELD",
                     field: "since", message: "since must be an integer clock"),
        BadInputCase(name: "since beyond 64 bits", request: get("/v1/records?actor=did%3Ax&since=99999999999999999999"), status: 400,
                     code: "INVALID_FIELD", field: "since"),
        BadInputCase(name: "cursor this server never handed out", request: get("/v1/records?actor=did%3Ax&cursor=abc"), status: 400,
                     code: "INVALID_FIELD", field: "cursor", message: "cursor must be a next_cursor value this server handed out"),
        BadInputCase(name: "backward cursor with since", request: get("/v1/records?since=1&cursor=o1.1"), status: 400, code: "INVALID_FIELD",
                     field: "cursor", message: "cursor must be a next_cursor value this server handed out for the same since"),
        BadInputCase(name: "thread parameter with a space", request: get("/v1/records?thread=has%20space"), status: 400, code: "INVALID_FIELD",
                     field: "thread", message: "thread must be 1-256 bytes of A-Z a-z 0-9 _ . : -"),
        BadInputCase(name: "actor parameter that is not a DID", request: get("/v1/records?actor=alice"), status: 400, code: "INVALID_FIELD",
                     field: "actor", message: "actor must be a DID (did:…) of at most 512 bytes"),
    ]

    static let queryFields: [BadInputCase] = {
        func query(_ text: String) -> [UInt8] { post(text, to: "/v1/records/query") }
        return [
            BadInputCase(name: "query with an unknown field", request: query(#"{"filter":{},"where":{}}"#), status: 400, code: "INVALID_FIELD",
                         field: "where", message: #"unknown field "where"; a query takes explain, filter, limit, offset, sort, thread"#),
            BadInputCase(name: "query on an unknown path", request: query(#"{"filter":{"kind":"x"}}"#), status: 400, code: "INVALID_FIELD",
                         field: "filter.kind"),
            BadInputCase(name: "query with an unknown operator", request: query(#"{"filter":{"clock":{"$gtt":1}}}"#), status: 400,
                         code: "INVALID_FIELD", field: "filter.clock.$gtt"),
            BadInputCase(name: "query operand of the wrong type", request: query(#"{"filter":{"$or":[{"act":"DO"},{"clock":{"$gt":"1"}}]}}"#),
                         status: 400, code: "INVALID_FIELD", field: "filter.$or[1].clock.$gt", message: "clock compares with an integer"),
            BadInputCase(name: "query pattern over 4096 bytes", request: query(#"{"filter":{"body.t":{"$like":"\#(String(repeating: "_", count: 5000))"}}}"#),
                         status: 400, code: "INVALID_FIELD", field: "filter.body.t.$like", message: "$like patterns are at most 4096 bytes"),
            BadInputCase(name: "query filter that is an array", request: query(#"{"filter":[]}"#), status: 400, code: "INVALID_FIELD",
                         field: "filter", message: "a filter must be a JSON object"),
            BadInputCase(name: "query limit 0", request: query(#"{"limit":0}"#), status: 400, code: "INVALID_FIELD", field: "limit",
                         message: "limit must be an integer of 1 or more (pages hold at most 1000)"),
            BadInputCase(name: "query negative offset", request: query(#"{"offset":-1}"#), status: 400, code: "INVALID_FIELD", field: "offset",
                         message: "offset must be an integer from 0 to 2147483647"),
            BadInputCase(name: "query explain that is not a boolean", request: query(#"{"explain":"yes"}"#), status: 400, code: "INVALID_FIELD",
                         field: "explain", message: "explain must be true or false"),
            BadInputCase(name: "query sort in another shape", request: query(#"{"sort":[{"field":"clock","order":"desc"}]}"#), status: 400,
                         code: "INVALID_FIELD", field: "sort"),
            BadInputCase(name: "query thread with a slash", request: query(#"{"thread":"a/b"}"#), status: 400, code: "INVALID_FIELD",
                         field: "thread", message: "thread must be a thread id (1-256 bytes of A-Z a-z 0-9 _ . : -)"),
        ]
    }()

    static func envelopeRules(signerDID: String) -> [BadInputCase] {
        let zeroSignature = String(repeating: "A", count: 86) + "=="
        let parents65 = "[" + (0..<65).map { #""\#(String(format: "%064x", $0))""# }.joined(separator: ",") + "]"
        return [
            BadInputCase(name: "act outside the list", request: post(envelope(act: #""SHOUT""#)), status: 400, code: "INVALID_ACT", field: "act"),
            BadInputCase(name: "act in lower case", request: post(envelope(act: #""know""#)), status: 400, code: "INVALID_ACT", field: "act"),
            BadInputCase(name: "data_type outside the list", request: post(envelope(dataType: #""TEXT""#)), status: 400,
                         code: "INVALID_DATA_TYPE", field: "data_type"),
            BadInputCase(name: "negative clock", request: post(envelope(clock: "-1")), status: 400, code: "INVALID_CLOCK", field: "clock",
                         message: "clock must be 0 or more"),
            BadInputCase(name: "fractional clock", request: post(envelope(clock: "1.5")), status: 400, code: "INVALID_CLOCK", field: "clock",
                         message: "clock must be an integer"),
            BadInputCase(name: "clock written 1.0", request: post(envelope(clock: "1.0")), status: 400, code: "INVALID_CLOCK", field: "clock"),
            BadInputCase(name: "clock in exponent form", request: post(envelope(clock: "1e3")), status: 400, code: "INVALID_CLOCK", field: "clock"),
            BadInputCase(name: "clock as a string", request: post(envelope(clock: #""5""#)), status: 400, code: "INVALID_CLOCK", field: "clock"),
            BadInputCase(name: "clock of 2^63", request: post(envelope(clock: "9223372036854775808")), status: 400, code: "INVALID_CLOCK",
                         field: "clock", message: "clock must be at most 2^63-1"),
            BadInputCase(name: "clock of 4000 digits", request: post(envelope(clock: String(repeating: "9", count: 4000))), status: 400,
                         code: "INVALID_CLOCK", field: "clock"),
            BadInputCase(name: "thread with a space", request: post(envelope(thread: #""has space""#)), status: 400, code: "INVALID_THREAD", field: "thread"),
            BadInputCase(name: "empty thread", request: post(envelope(thread: #""""#)), status: 400, code: "INVALID_THREAD", field: "thread"),
            BadInputCase(name: "thread of 257 bytes", request: post(envelope(thread: #""\#(String(repeating: "t", count: 257))""#)), status: 400,
                         code: "INVALID_THREAD", field: "thread"),
            BadInputCase(name: "thread with a non-ASCII letter", request: post(envelope(thread: #""thé""#)), status: 400, code: "INVALID_THREAD", field: "thread"),
            BadInputCase(name: "parent that is not hex", request: post(envelope(parents: #"["abc"]"#)), status: 400, code: "INVALID_PARENTS",
                         field: "parents[0]"),
            BadInputCase(name: "parent in upper-case hex", request: post(envelope(parents: #"["\#(String(repeating: "A", count: 64))"]"#)),
                         status: 400, code: "INVALID_PARENTS", field: "parents[0]"),
            BadInputCase(name: "65 parents", request: post(envelope(parents: parents65)), status: 400, code: "INVALID_PARENTS", field: "parents"),
            BadInputCase(name: "parents that is a string", request: post(envelope(parents: #""x""#)), status: 400, code: "INVALID_PARENTS", field: "parents"),
            // The other reserved threads take writes from a token with config:write, as the admin
            // token the test daemons mint has; the service accounts' thread takes none over TCP.
            BadInputCase(name: "service accounts over TCP", request: post(envelope(act: #""LEARN""#, thread: #""th_service_accounts""#)), status: 403,
                         code: "RESERVED_THREAD", field: "thread"),
            BadInputCase(name: "service accounts inside a batch over TCP",
                         request: post(batch([envelope(clock: "40"), envelope(thread: #""th_service_accounts""#)])),
                         status: 403, code: "RESERVED_THREAD", field: "records[1].thread"),
            BadInputCase(name: "same clock, different content", request: post(envelope(body: #"{"text":"other"}"#, clock: String(seededClock))),
                         status: 409, code: "DUPLICATE_CLOCK", field: "clock"),
            BadInputCase(name: "duplicate clock inside a batch", request: post(batch([envelope(clock: "41"), envelope(body: #"{"text":"other"}"#, clock: String(seededClock))])),
                         status: 409, code: "DUPLICATE_CLOCK", field: "records[1].clock"),
            BadInputCase(name: "one bad clock among good records", request: post(batch([envelope(clock: "42"), envelope(clock: "43"), envelope(clock: "-7")])),
                         status: 400, code: "INVALID_CLOCK", field: "records[2].clock", message: "records[2]: clock must be 0 or more"),
            BadInputCase(name: "one bad act among good records", request: post(batch([envelope(clock: "44"), envelope(act: #""SING""#, clock: "45")])),
                         status: 400, code: "INVALID_ACT", field: "records[1].act"),
            BadInputCase(name: "sig without signer", request: post(envelope(extra: #","sig":"\#(zeroSignature)""#)), status: 422,
                         code: "BAD_SIGNATURE", field: "signer", message: "sig and signer come together or not at all"),
            BadInputCase(name: "signer that is not a did:key", request: post(envelope(extra: #","sig":"\#(zeroSignature)","signer":"did:web:x""#)),
                         status: 422, code: "BAD_SIGNATURE", field: "signer"),
            BadInputCase(name: "signature that does not verify", request: post(envelope(extra: #","sig":"\#(zeroSignature)","signer":"\#(signerDID)""#)),
                         status: 422, code: "BAD_SIGNATURE", field: "sig"),
            BadInputCase(name: "bad signature inside a batch", request: post(batch([envelope(clock: "46"), envelope(clock: "47", extra: #","sig":"\#(zeroSignature)","signer":"\#(signerDID)""#)])),
                         status: 422, code: "BAD_SIGNATURE", field: "records[1].sig"),
        ]
    }
}
