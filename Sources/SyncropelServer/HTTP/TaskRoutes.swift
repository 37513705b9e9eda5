import Hummingbird
import SyncropelKit

/// `GET /v1/tasks` and `GET /v1/tasks/{id or alias}`: the task fold (docs/TASKS.md).
struct TaskRoutes {
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.get("/v1/tasks") { request, _ in
            try await list(request)
        }
        router.get("/v1/tasks/:id") { request, context in
            try await task(request, idOrAlias: context.parameters.get("id") ?? "")
        }
    }

    /// Open tasks in the order they were added; `?all=true` adds approved, failed and cancelled ones.
    private func list(_ request: Request) async throws -> Response {
        let instance = try gate.readyInstance()
        try QueryParameters.check(request, allowed: ["all"])
        let includeClosed: Bool
        switch request.uri.queryParameters["all"] {
        case nil, "false": includeClosed = false
        case "true": includeClosed = true
        default: throw APIError.invalidField("all", "all must be true or false")
        }
        let tasks = try await instance.derived.taskStates().tasks(includeClosed: includeClosed)
        return JSONResponse.list(tasks.map { $0.jsonValue(withHistory: false) })
    }

    private func task(_ request: Request, idOrAlias: String) async throws -> Response {
        let instance = try gate.readyInstance()
        try QueryParameters.check(request, allowed: [])
        guard let task = try await instance.derived.taskStates().task(idOrAlias) else {
            throw APIError.notFound("no task \(idOrAlias)")
        }
        return JSONResponse.make(task.jsonValue(withHistory: true))
    }
}

extension TaskState {
    /// The wire form of docs/HTTP-API.md; list items leave the history out.
    func jsonValue(withHistory: Bool) -> JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "object", value: "task"),
            .init(key: "id", value: .string(id)),
            .init(key: "alias", value: .string(alias)),
            .init(key: "goal", value: .string(goal)),
            .init(key: "status", value: .string(status.rawValue)),
            .init(key: "priority", value: .string(priority.rawValue)),
            .init(key: "labels", value: .array(labels.map(JSONValue.string))),
            .init(key: "assignee", value: Self.optional(assignee)),
            .init(key: "domain", value: Self.optional(domain)),
            .init(key: "criteria", value: .array(criteria.map(JSONValue.string))),
            .init(key: "parent", value: Self.optional(parent)),
            .init(key: "creator", value: .string(creator)),
            .init(key: "opener", value: .string(opener.hex)),
            .init(key: "worker", value: Self.optional(worker)),
            .init(key: "summary", value: Self.optional(summary)),
            .init(key: "reason", value: Self.optional(reason)),
            .init(key: "created_at", value: .int(createdAt)),
            .init(key: "updated_at", value: .int(updatedAt)),
        ]
        if withHistory {
            members.append(.init(key: "history", value: .array(history.map { entry in
                [
                    "event": .string(entry.event.rawValue), "actor": .string(entry.actor), "record": .string(entry.record.hex),
                    "created_at": .int(entry.createdAt), "text": Self.optional(entry.text),
                    "status": Self.optional(entry.status?.rawValue), "refused": Self.optional(entry.refusal?.description),
                ]
            })))
        }
        return .object(JSONObject(members))
    }

    private static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }
}
