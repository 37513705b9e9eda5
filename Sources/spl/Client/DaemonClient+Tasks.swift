import SyncropelKit

/// A task as the daemon reports it (`GET /v1/tasks/{id}`): the answer, and the fields
/// `spl task` checks before it writes.
struct FetchedTask {
    let json: JSONValue
    let id: String
    let alias: String
    let status: TaskStatus
    let opener: String
    let worker: String?
    let domain: String?

    init(_ json: JSONValue, request: String) throws {
        guard let id = json.value(atPath: "id")?.stringValue, let alias = json.value(atPath: "alias")?.stringValue,
            let status = json.value(atPath: "status")?.stringValue.flatMap(TaskStatus.init(rawValue:)),
            let opener = json.value(atPath: "opener")?.stringValue
        else {
            throw DaemonClientError.malformedAnswer(request: request, status: 200, reason: "a task without id, alias, status or opener")
        }
        self.json = json
        self.id = id
        self.alias = alias
        self.status = status
        self.opener = opener
        worker = json.value(atPath: "worker")?.stringValue
        domain = json.value(atPath: "domain")?.stringValue
    }
}

extension DaemonClient {
    /// The task whose alias or thread id is `idOrAlias`; an unknown one is `TaskCommandError.noSuchTask`.
    func task(_ idOrAlias: String) async throws -> FetchedTask {
        guard let task = try await findTask(idOrAlias) else { throw TaskCommandError.noSuchTask(idOrAlias) }
        return task
    }

    /// The task whose alias or thread id is `idOrAlias`, or nil when there is none.
    func findTask(_ idOrAlias: String) async throws -> FetchedTask? {
        let path = "/v1/tasks/\(Self.percentEncoded(idOrAlias))"
        let answer = try await request(.GET, path)
        if answer.status == 404 { return nil }
        return try FetchedTask(try Self.requireSuccess(answer, request: "GET \(path)"), request: "GET \(path)")
    }

    /// Writes one record on a thread as `actor`; the daemon assigns the clock and signs it.
    func write(_ act: Act, actor: String, body: JSONObject, thread: String) async throws -> JSONValue {
        try await post("/v1/records", body: .object(JSONObject([
            "act": .string(act.rawValue), "actor": .string(actor), "body": .object(body),
            "data_type": .string(DataType.scalar.rawValue), "parents": [], "thread": .string(thread),
        ])))
    }
}
