import Hummingbird
import SyncropelKit
import SyncropelStore

/// `GET /v1/threads`, `/v1/threads/{id}/records` and `/v1/threads/{id}/state`.
struct ThreadRoutes {
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.get("/v1/threads") { _, _ in
            try await summaries()
        }
        router.get("/v1/threads/:id/records") { request, context in
            try await records(request, thread: context.parameters.get("id") ?? "")
        }
        router.get("/v1/threads/:id/state") { _, context in
            try await state(thread: context.parameters.get("id") ?? "")
        }
    }

    private func summaries() async throws -> Response {
        let instance = try gate.readyInstance()
        let folds = try await instance.derived.threadStates()
        let items: [JSONValue] = try await instance.store.threadSummaries().map { summary in
            [
                "id": .string(summary.id), "record_count": .int(summary.recordCount),
                "last_clock": .int(summary.lastClock),
                "status": .string((folds.state(of: summary.id)?.status ?? .unopened).rawValue),
                "updated_at": .int(summary.updatedAt),
            ]
        }
        return JSONResponse.list(items)
    }

    private func records(_ request: Request, thread: String) async throws -> Response {
        let instance = try gate.readyInstance()
        try QueryParameters.check(request, allowed: ["limit", "since", "cursor"])
        let page = try await instance.store.threadRecordsText(
            thread, from: try QueryParameters.threadPosition(request), limit: try QueryParameters.limit(request))
        return Self.pageResponse(page)
    }

    /// Ascending records with `next_cursor` (newer) and `prev_cursor` (older).
    static func pageResponse(_ page: ThreadPageText) -> Response {
        JSONResponse.list(page, nextCursor: page.newerCursor?.description, prevCursor: page.olderCursor?.description, includePrev: true)
    }

    private func state(thread: String) async throws -> Response {
        let instance = try gate.readyInstance()
        let state = try await instance.derived.thread(thread)
        let opener: JSONValue =
            state?.opener.map { ["id": .string($0.id.hex), "actor": .string($0.actor)] } ?? .null
        return JSONResponse.make([
            "object": "thread_state", "id": .string(thread),
            "status": .string((state?.status ?? .unopened).rawValue), "opener": opener,
            "record_count": .int(state?.recordCount ?? 0), "last_clock": .int(state?.lastClock ?? 0),
            "participants": .array((state?.participants ?? []).map(JSONValue.string)),
        ])
    }
}
