import Hummingbird
import SyncropelKit
import SyncropelStore

/// `POST /v1/records/query`: a structured filter over the whole log (SPEC 7.2),
/// in the request shape the public SDK's `rich_query` sends.
///
/// ```
/// {"filter":{"act":"KNOW","body.kind":{"$in":["a.b","a.c"]}},"thread"?:"th_x","sort"?:{"clock":-1},
///  "limit"?:100,"offset"?:0,"explain"?:true}
/// → {"object":"list","data":[…],"capped":false,"matched_total":2,"plan"?:{…}}
/// ```
struct RecordQueryRoutes {
    let gate: InstanceGate

    static let fields: Set<String> = ["filter", "thread", "sort", "limit", "offset", "explain"]

    func register(on router: Router<InstanceRequestContext>) {
        router.post("/v1/records/query") { request, context in
            try await query(request, context: context)
        }
    }

    private func query(_ request: Request, context: InstanceRequestContext) async throws -> Response {
        let instance = try gate.readyInstance()
        let body = try await JSONRequestBody.read(request, context: context)
        let query = try Self.recordQuery(body.value)
        let result = try await instance.store.query(query)
        var members: [JSONObject.Member] = [
            .init(key: "object", value: "list"),
            .init(key: "data", value: .array(result.records.map(\.jsonValue))),
            .init(key: "capped", value: .bool(result.hasMore)),
            .init(key: "matched_total", value: .int(result.matchedTotal ?? result.records.count)),
        ]
        if let plan = result.plan {
            members.append(.init(key: "plan", value: [
                "indexed_fields": .array(plan.columnFields.map(JSONValue.string)),
                "unindexed_fields": .array(plan.jsonFields.map(JSONValue.string)),
                "sqlite_plan": .array(plan.steps.map(JSONValue.string)),
            ]))
        }
        return JSONResponse.make(.object(JSONObject(members)))
    }

    /// The query a request body asks for. `limit` above the page maximum is served
    /// as the maximum (the answer then says `capped` when more matched), as the
    /// public documentation describes; a `null` member counts as left out; every other
    /// bad value is refused by name.
    static func recordQuery(_ json: JSONValue) throws -> RecordQuery {
        guard case .object(let body) = json else {
            throw APIError(.badRequest, "INVALID_JSON", "the body must be a JSON object")
        }
        let object = JSONObject(body.members.filter { $0.value != .null })
        if let unknown = object.members.first(where: { !fields.contains($0.key) }) {
            throw APIError.invalidField(unknown.key, "unknown field \"\(unknown.key)\"; a query takes \(fields.sorted().joined(separator: ", "))")
        }
        var query = RecordQuery(countingMatches: true)
        var parts: [RecordFilter] = []
        if let thread = object["thread"] {
            guard case .string(let id) = thread, (try? RecordRules.checkThread(id)) != nil else {
                throw APIError.invalidField("thread", "thread must be a thread id (1-256 bytes of A-Z a-z 0-9 _ . : -)")
            }
            parts.append(.compare(.thread, .equal, .string(id)))
        }
        if let filter = object["filter"] {
            parts.append(try RecordFilter(json: filter))
        }
        query.filter = parts.count == 1 ? parts[0] : .all(parts)
        if let sort = object["sort"] {
            query.sort = try RecordSort.list(json: sort)
        }
        if let limit = object["limit"] {
            guard let value = limit.int64Value, value >= 1 else {
                throw APIError.invalidField("limit", "limit must be an integer of 1 or more (pages hold at most \(RequestLimits.maxPageSize))")
            }
            query.limit = Int(min(value, Int64(RequestLimits.maxPageSize)))
        }
        if let offset = object["offset"] {
            guard let value = offset.int64Value, value >= 0, value <= Int64(Int32.max) else {
                throw APIError.invalidField("offset", "offset must be an integer from 0 to \(Int32.max)")
            }
            query.offset = Int(value)
        }
        if let explain = object["explain"] {
            guard case .bool(let flag) = explain else {
                throw APIError.invalidField("explain", "explain must be true or false")
            }
            query.explaining = flag
        }
        return query
    }
}
