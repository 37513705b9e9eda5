import SyncropelKit
import SyncropelServer

extension DaemonClient {
    /// Every thread the store holds with its record count (`GET /v1/threads`), by id.
    func threadRecordCounts() async throws -> [String: Int64] {
        let (threads, _) = try await getList("/v1/threads")
        var counts: [String: Int64] = [:]
        for thread in threads {
            guard let id = thread.value(atPath: "id")?.stringValue, let count = thread.value(atPath: "record_count")?.int64Value else {
                throw DaemonClientError.malformedAnswer(
                    request: "GET /v1/threads", status: 200, reason: "a thread without an id or record_count")
            }
            counts[id] = count
        }
        return counts
    }

    /// The instance DID of the daemon's identity (`GET /v1/identity`).
    func instanceDID() async throws -> String {
        try await identity("instance_did")
    }

    /// The did:key the daemon signs records with (`GET /v1/identity`).
    func signerDID() async throws -> String {
        try await identity("did")
    }

    private func identity(_ field: String) async throws -> String {
        guard let value = try await get("/v1/identity").value(atPath: field)?.stringValue else {
            throw DaemonClientError.malformedAnswer(request: "GET /v1/identity", status: 200, reason: "no \(field)")
        }
        return value
    }

    /// Stores `envelopes` as one all-or-nothing batch, exactly as they are: `"sign": false`
    /// keeps unsigned records unsigned instead of signing them with this instance's key,
    /// as the socket otherwise does. The status (`created` or `exists`) of each, in order.
    func ingestUnsigned(batch envelopes: [JSONValue]) async throws -> [String] {
        let path = "/v1/records"
        let answer = try await post(path, body: ["records": .array(envelopes), "sign": false])
        guard let results = answer.value(atPath: "results")?.arrayValue, results.count == envelopes.count else {
            throw DaemonClientError.malformedAnswer(
                request: "POST \(path)", status: 201, reason: "no result for each of the \(envelopes.count) records")
        }
        return try results.map { result in
            guard let status = result.value(atPath: "status")?.stringValue else {
                throw DaemonClientError.malformedAnswer(request: "POST \(path)", status: 201, reason: "a result without a status")
            }
            return status
        }
    }
}
