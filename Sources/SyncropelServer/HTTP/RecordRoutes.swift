import Hummingbird
import NIOCore
import SyncropelKit
import SyncropelStore

/// `POST /v1/records`, `GET /v1/records/{id}` and `GET /v1/records`.
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
    }

    /// One envelope, or `{"records":[…]}` as one all-or-nothing batch (SPEC 3.3).
    private func ingest(_ request: Request, context: InstanceRequestContext) async throws -> Response {
        let instance = try gate.readyInstance()
        let body = try await JSONRequestBody.read(request, context: context)
        let signer = context.viaUnixSocket ? instance.identity : nil
        if case .object(let object) = body.value, let records = object["records"] {
            let drafts = try batchDrafts(records, context: context)
            let results = try await instance.store.ingest(batch: drafts, signingWith: signer)
            let items: [JSONValue] = results.map { result in
                [
                    "id": .string(result.stored.id.hex), "clock": .int(result.stored.record.clock),
                    "status": .string(result.status.rawValue),
                ]
            }
            return JSONResponse.make(["object": "batch_result", "results": .array(items)], status: .created)
        }
        guard body.byteCount <= RequestLimits.maxSingleBytes else {
            throw APIError(.contentTooLarge, "PAYLOAD_TOO_LARGE", "a single record may be at most 2 MiB; send larger sets as a batch")
        }
        let draft = try RecordDraft(json: body.value)
        try checkReservedThread(draft.thread, context: context, field: "thread")
        let result = try await instance.store.ingest(draft, signingWith: signer)
        return JSONResponse.make(result.stored.jsonValue, status: result.status == .created ? .created : .ok)
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
                try checkReservedThread(draft.thread, context: context, field: "records[\(index)].thread")
                return draft
            } catch let error as RecordError {
                throw error.inBatch(at: index)
            }
        }
    }

    /// Rule 3.3.6: until TCP clients authenticate, reserved threads are written only through the socket.
    private func checkReservedThread(_ thread: String, context: InstanceRequestContext, field: String) throws {
        guard !context.viaUnixSocket, RecordRules.localOnlyThreads.contains(thread) else { return }
        throw APIError(.forbidden, "RESERVED_THREAD", "\(thread) is written only through the local socket (spl on this machine)", field: field)
    }

    private func record(id text: String) async throws -> Response {
        let instance = try gate.readyInstance()
        guard let id = RecordID(hex: text), let stored = try await instance.store.record(id: id) else {
            throw APIError.notFound("no record \(text) in this store")
        }
        return JSONResponse.make(stored.jsonValue)
    }

    /// Newest first across the store or of one actor; with `thread`, that thread's page.
    private func list(_ request: Request) async throws -> Response {
        let instance = try gate.readyInstance()
        let query = request.uri.queryParameters
        let limit = try QueryParameters.limit(request)
        if let thread = query["thread"] {
            let position = try QueryParameters.threadPosition(request)
            return ThreadRoutes.pageResponse(try await instance.store.threadRecords(String(thread), from: position, limit: limit))
        }
        var before: Int64?
        if let cursor = query["cursor"] {
            guard let sequence = Int64(cursor), sequence > 0 else {
                throw APIError.invalidField("cursor", "cursor must be a next_cursor value this server handed out")
            }
            before = sequence
        }
        let page = try await instance.store.latestRecords(actor: query["actor"].map(String.init), before: before, limit: limit)
        return JSONResponse.list(page.records.map(\.jsonValue), nextCursor: page.nextCursor.map { String($0) })
    }
}

extension InstanceGate {
    /// The instance, or `503 STARTING` while start-up runs.
    func readyInstance() throws(APIError) -> Instance {
        guard let instance else { throw APIError.starting }
        return instance
    }
}
