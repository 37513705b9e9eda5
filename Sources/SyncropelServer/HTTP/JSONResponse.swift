import Hummingbird
import NIOCore
import SyncropelKit
import SyncropelStore

/// JSON answers, serialised with the protocol's own writer (key order kept, big integers exact).
package enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        let text = value.serialized()
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }

    static func error(_ error: APIError) -> Response {
        make(error.jsonValue, status: error.status)
    }

    /// `{"object":"list","data":[…],"next_cursor":…}` (SPEC 7.1).
    static func list(_ items: [JSONValue], nextCursor: String? = nil, prevCursor: String? = nil, includePrev: Bool = false) -> Response {
        make(listObject(items, nextCursor: nextCursor, prevCursor: prevCursor, includePrev: includePrev))
    }

    /// One record, written from its canonical bytes (`StoredRecord.appendJSONText`).
    static func record(_ stored: StoredRecord, status: HTTPResponse.Status = .ok) -> Response {
        var text: [UInt8] = []
        text.reserveCapacity(stored.record.canonical.count + 320)
        stored.appendJSONText(to: &text)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
    }

    /// `list` of records, with each record's text written from its canonical bytes
    /// (`StoredRecord.appendJSONText`) instead of built as a value and serialized again.
    static func list(records: [StoredRecord], nextCursor: String? = nil, prevCursor: String? = nil, includePrev: Bool = false) -> Response {
        list(ThreadPageText(ThreadPage(records: records, olderCursor: nil, newerCursor: nil)),
            nextCursor: nextCursor, prevCursor: prevCursor, includePrev: includePrev)
    }

    /// `list` around records already written as text, each copied once, in page order.
    static func list(_ page: ThreadPageText, nextCursor: String?, prevCursor: String?, includePrev: Bool) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(page.text.count + page.count + 256)
        buffer.writeString(#"{"object":"list","data":["#)
        for (index, range) in page.ranges.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(page.text[range])
        }
        buffer.writeString(#"],"next_cursor":"#)
        buffer.writeString((nextCursor.map(JSONValue.string) ?? .null).serialized())
        if includePrev {
            buffer.writeString(#","prev_cursor":"#)
            buffer.writeString((prevCursor.map(JSONValue.string) ?? .null).serialized())
        }
        buffer.writeString("}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }

    /// The list object itself, also what the CLI prints with `-o json` for a list it builds offline.
    package static func listObject(
        _ items: [JSONValue], nextCursor: String? = nil, prevCursor: String? = nil, includePrev: Bool = false
    ) -> JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "object", value: "list"),
            .init(key: "data", value: .array(items)),
            .init(key: "next_cursor", value: nextCursor.map(JSONValue.string) ?? .null),
        ]
        if includePrev { members.append(.init(key: "prev_cursor", value: prevCursor.map(JSONValue.string) ?? .null)) }
        return .object(JSONObject(members))
    }
}

extension JSONValue {
    static func int(_ value: Int64) -> JSONValue { .integer(JSONInteger(value)) }
    static func int(_ value: Int) -> JSONValue { .integer(JSONInteger(Int64(value))) }
}
