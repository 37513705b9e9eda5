import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP to one daemon over a URL session of its own: no kept-alive connection outlives the
/// daemon it was opened to, and a request to a hung daemon fails after 10 s.
struct DaemonHTTP: Sendable {
    let port: Int
    private let session: URLSession

    init(port: Int) {
        self.port = port
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: configuration)
    }

    func send(_ method: String, _ path: String, json: String? = nil) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    /// `POST /v1/records` of one envelope; the stored record's id on a 2xx, else nil.
    func post(_ envelope: String) async throws -> (status: Int, id: String?, body: String) {
        let (status, body) = try await send("POST", "/v1/records", json: envelope)
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let id = (200..<300).contains(status) ? object?["id"] as? String : nil
        return (status, id, String(decoding: body, as: UTF8.self))
    }

    /// The ids among `ids` that `GET /v1/records/{id}` does not return (four requests at a time).
    func missing(_ ids: [String]) async throws -> [String] {
        try await withThrowingTaskGroup(of: [String].self) { group in
            for lane in 0..<4 {
                group.addTask {
                    var missing: [String] = []
                    for id in stride(from: lane, to: ids.count, by: 4).map({ ids[$0] }) {
                        let (status, body) = try await send("GET", "/v1/records/\(id)")
                        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
                        if status != 200 || object?["id"] as? String != id { missing.append(id) }
                    }
                    return missing
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    func close() { session.finishTasksAndInvalidate() }
}

/// What a burst of writers got back: the ids acknowledged with a 2xx, and everything else.
actor AckLog {
    private(set) var ids: [String] = []
    /// Answers that were neither a 2xx nor a 503 (the daemon going away), as `status body`.
    private(set) var refusals: [String] = []
    /// How each writer ended (`transport error: …`, `refused`, `done`).
    private(set) var endings: [String] = []

    func acknowledged(_ id: String) { ids.append(id) }
    func refused(_ answer: String) { refusals.append(answer) }
    func ended(_ how: String) { endings.append(how) }

    /// Waits until `count` records are acknowledged; false when every writer stopped first
    /// or `seconds` passed.
    func waitFor(_ count: Int, seconds: Double, writers: Int) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while ids.count < count {
            if endings.count == writers || Date() > deadline { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}

/// Concurrent writers, each POSTing single KNOW records with explicit clocks 1, 2, 3… on a
/// thread of its own (`th_<tag>_w<n>`), until the daemon goes away (a transport error),
/// refuses a record, or a minute has passed.
struct RecordBurst: Sendable {
    let http: DaemonHTTP
    let tag: String
    var writers = 4

    func run(into log: AckLog) async {
        let deadline = Date().addingTimeInterval(60)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask { await write(writer, until: deadline, into: log) }
            }
        }
    }

    private func write(_ writer: Int, until deadline: Date, into log: AckLog) async {
        var clock = 1
        while Date() < deadline {
            let envelope = """
                {"act":"KNOW","actor":"did:sync:user:writer\(writer)","body":{"text":"\(tag) writer \(writer) record \(clock)"},\
                "clock":\(clock),"data_type":"SCALAR","parents":[],"thread":"th_\(tag)_w\(writer)"}
                """
            do {
                let answer = try await http.post(envelope)
                if let id = answer.id {
                    await log.acknowledged(id)
                } else if answer.status != 503 {
                    await log.refused("\(answer.status) \(answer.body)")
                    await log.ended("refused")
                    return
                }
            } catch {
                await log.ended("transport error: \(error)")
                return
            }
            clock += 1
        }
        await log.ended("done")
    }
}
