import Hummingbird
import NIOCore
import SyncropelKit
import SyncropelStore

/// `POST /v1/records`, `GET /v1/records/{id}` and `GET /v1/records` (and, beside them,
/// `POST /v1/records/query`).
struct RecordRoutes {
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.post("/v1/records") { request, context in
            try await ingest(request, context: context)
        }
        router.get("/v1/records/:id") { _, context in
            try await record(id: context.parameters.get("id") ?? "")
        }
        router.get("/v1/records") { request, _ in
            try await list(request)
        }
        RecordQueryRoutes(gate: gate).register(on: router)
    }

    /// The members a batch wrapper may have besides `records`.
    static let batchFields: Set<String> = ["records", "sign"]

    /// One envelope, or `{"records":[…]}` as one all-or-nothing batch (SPEC 3.3).
    private func ingest(_ request: Request, context: InstanceRequestContext) async throws -> Response {
        let instance = try gate.readyInstance()
        let body = try await JSONRequestBody.read(request, context: context)
        if case .object(let batch) = body.value, batch["records"] != nil {
            return try await ingest(batch: batch, into: instance, context: context)
        }
        guard body.byteCount <= RequestLimits.maxSingleBytes else {
            throw APIError(.contentTooLarge, "PAYLOAD_TOO_LARGE", "a single record may be at most 2 MiB; send larger sets as a batch")
        }
        let draft = try RecordDraft(json: body.value)
        try checkWrite(draft, context: context, field: "")
        let result = try await instance.store.ingest(draft, signingWith: context.viaUnixSocket ? instance.identity : nil)
        try await waitForReplica([result], instance)
        return JSONResponse.record(result.stored, status: result.status == .created ? .created : .ok)
    }

    /// `{"records":[…], "sign"?: false}`. Over the socket the daemon signs unsigned
    /// records with the instance key; `"sign": false` stores them exactly as sent
    /// instead, which is how a restore keeps exported records as they were. TCP
    /// writes are never signed, so there `sign` changes nothing.
    private func ingest(batch: JSONObject, into instance: Instance, context: InstanceRequestContext) async throws -> Response {
        if let unknown = batch.members.first(where: { !Self.batchFields.contains($0.key) }) {
            throw APIError.invalidField(unknown.key, "unknown field \"\(unknown.key)\" beside records; a batch is {\"records\":[…], \"sign\"?: false}")
        }
        var signs = context.viaUnixSocket
        if let sign = batch["sign"] {
            guard case .bool(let flag) = sign else {
                throw APIError.invalidField("sign", "sign must be true or false")
            }
            signs = signs && flag
        }
        let drafts = try batchDrafts(batch["records"] ?? [], context: context)
        let results = try await instance.store.ingest(batch: drafts, signingWith: signs ? instance.identity : nil)
        try await waitForReplica(results, instance)
        let items: [JSONValue] = results.map { result in
            [
                "id": .string(result.stored.id.hex), "clock": .int(result.stored.record.clock),
                "status": .string(result.status.rawValue),
            ]
        }
        return JSONResponse.make(["object": "batch_result", "results": .array(items)], status: .created)
    }

    /// With `ack = "after_replica"`, returns once that replica holds `results` (also those that
    /// already existed: a retry after a 503 is answered only once they are there).
    private func waitForReplica(_ results: [IngestResult], _ instance: Instance) async throws {
        guard let acknowledgement = instance.replication.acknowledgement,
            let highest = results.map(\.stored.sequence).max()
        else { return }
        if let refusal = await acknowledgement.wait(through: highest, records: results.count) { throw refusal }
    }

    private func batchDrafts(_ records: JSONValue, context: InstanceRequestContext) throws -> [RecordDraft] {
        guard case .array(let items) = records else {
            throw APIError.invalidField("records", "records must be an array of record envelopes")
        }
        guard items.count <= RequestLimits.maxBatchRecords else {
            throw APIError(.contentTooLarge, "PAYLOAD_TOO_LARGE", "a batch may hold at most \(RequestLimits.maxBatchRecords) records; it has \(items.count)")
        }
        return try items.enumerated().map { index, item in
            do {
                let draft = try RecordDraft(json: item)
                try checkWrite(draft, context: context, field: "records[\(index)].")
                return draft
            } catch let error as RecordError {
                throw error.inBatch(at: index)
            }
        }
    }

    /// What a TCP client may write (rule 3.3.6 and docs/HTTP-API.md): as an actor its account
    /// allows, to a reserved thread only with `config:write`, and never to `th_service_accounts`,
    /// whose records count only under the instance key. Without authentication (`--insecure-localhost`)
    /// no reserved thread. `fieldPrefix` places the field in a batch (`records[3].`).
    private func checkWrite(_ draft: RecordDraft, context: InstanceRequestContext, field fieldPrefix: String) throws {
        guard !context.viaUnixSocket else { return }
        let thread = draft.thread
        let reserved = RecordRules.reservedThreads.contains(thread)
        guard case .account(let account) = context.access else {
            guard reserved else { return }
            throw APIError(.forbidden, "RESERVED_THREAD", "\(thread) is written only through the local socket (spl on this machine)", field: fieldPrefix + "thread")
        }
        if !account.allows(actor: draft.actor) {
            throw AuthError.actorDenied(draft.actor, account: account.id, field: fieldPrefix + "actor")
        }
        if thread == RecordRules.serviceAccountsThread {
            throw APIError(
                .forbidden, "RESERVED_THREAD", "\(thread) is written only by 'spl service-account' and 'spl token' on the instance's machine",
                field: fieldPrefix + "thread")
        }
        if reserved && !account.grants(.configWrite) {
            throw AuthError.missingScope(.configWrite, account: account.id, request: "a write to \(thread)")
        }
    }

    private func record(id text: String) async throws -> Response {
        let instance = try gate.readyInstance()
        guard let id = RecordID(hex: text), let stored = try await instance.store.record(id: id) else {
            throw APIError.notFound("no record \(text) in this store")
        }
        return JSONResponse.record(stored)
    }

    /// `GET /v1/records?thread=&actor=&since=&limit=&cursor=`.
    ///
    /// `thread` alone reads that thread exactly as `/v1/threads/{id}/records` does.
    /// Otherwise (any actor, thread and actor, or no filter) the listing spans threads:
    /// without `since`, newest first (descending sequence, `next_cursor` older); with
    /// `since`, the records whose clock is greater, ascending by (clock, sequence) like
    /// a thread read with `since`, `next_cursor` forward.
    private func list(_ request: Request) async throws -> Response {
        let instance = try gate.readyInstance()
        try QueryParameters.check(request, allowed: ["thread", "actor", "since", "limit", "cursor"])
        let limit = try QueryParameters.limit(request)
        let thread = try QueryParameters.thread(request)
        let actor = try QueryParameters.actor(request)
        if let thread, actor == nil {
            return ThreadRoutes.pageResponse(
                try await instance.store.threadRecordsText(thread, from: try QueryParameters.threadPosition(request), limit: limit))
        }
        var conditions: [RecordFilter] = []
        if let thread { conditions.append(.compare(.thread, .equal, .string(thread))) }
        if let actor { conditions.append(.compare(.actor, .equal, .string(actor))) }
        let cursorText = request.uri.queryParameters["cursor"].map(String.init)
        guard let since = try QueryParameters.since(request) else {
            if let cursorText {
                guard let before = Int64(cursorText), before > 0 else {
                    throw APIError.invalidField("cursor", "cursor must be a next_cursor value this server handed out")
                }
                conditions.append(.compare(.sequence, .less, .integer(before)))
            }
            let result = try await instance.store.query(
                RecordQuery(filter: .all(conditions), sort: [RecordSort(.sequence, descending: true)], limit: limit))
            let next = result.hasMore ? result.records.last.map { String($0.sequence) } : nil
            return JSONResponse.list(records: result.records, nextCursor: next)
        }
        conditions.append(.compare(.clock, .greater, .integer(since)))
        if let cursorText {
            guard let cursor = ThreadCursor(cursorText), cursor.direction == .newer else {
                throw APIError.invalidField("cursor", "cursor must be a next_cursor value this server handed out for the same since")
            }
            conditions.append(.any([
                .compare(.clock, .greater, .integer(cursor.clock)),
                .all([.compare(.clock, .equal, .integer(cursor.clock)), .compare(.sequence, .greater, .integer(cursor.sequence))]),
            ]))
        }
        let result = try await instance.store.query(
            RecordQuery(filter: .all(conditions), sort: [RecordSort(.clock), RecordSort(.sequence)], limit: limit))
        let next = result.hasMore
            ? result.records.last.map { ThreadCursor(.newer, clock: $0.record.clock, sequence: $0.sequence).description } : nil
        return JSONResponse.list(records: result.records, nextCursor: next)
    }
}

extension InstanceGate {
    /// The instance, or `503 STARTING` while start-up runs.
    func readyInstance() throws(APIError) -> Instance {
        guard let instance else { throw APIError.starting }
        return instance
    }
}
