import Hummingbird
import NIOCore
import SyncropelKit

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
