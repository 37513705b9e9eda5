import Foundation
import SyncropelTestSupport

/// HTTP to one daemon on 127.0.0.1: one connection per request, sent and read off the
/// cooperative pool, so no connection outlives the daemon it was opened to, and a request
/// to a hung daemon fails after 60 s.
///
/// Not URLSession: on Linux, cancelling a task group whose children await URLSession's async
/// `data(for:)` can deadlock in FoundationNetworking (the cancel waits on the session's queue
/// while that queue waits on the task's status lock). A full one-core suite hung that way
/// for ten minutes.
struct DaemonHTTP: Sendable {
    let endpoint: RawHTTPExchange.Endpoint

    /// TCP on 127.0.0.1:`port`.
    init(port: Int) {
        endpoint = .tcp(port: port)
    }

    /// The daemon's unix socket, where the admin routes answer.
    init(socket: String) {
        endpoint = .unixSocket(path: socket)
    }

    /// The answer's status and body; throws when the daemon closed the connection without one.
    /// `token` goes in `Authorization: Bearer` (nil sends none).
    func send(
        _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:], token: String? = TestToken.bootstrap
    ) async throws -> (status: Int, body: Data) {
        let request = RawHTTPExchange.request(
            method, path, body: json.map { Array($0.utf8) }, contentType: json == nil ? nil : "application/json", headers: headers,
            token: token)
        let response = try await offThePool { [endpoint] in try RawHTTPExchange.send(request, to: endpoint, seconds: 60, halfClose: false) }
        guard let status = response.status else { throw DaemonHTTPError(method: method, path: path) }
        return (status, Data(response.body))
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
}

/// The daemon closed a connection without answering the request on it.
struct DaemonHTTPError: Error, CustomStringConvertible {
    let method: String
    let path: String

    var description: String { "no answer to \(method) \(path): the daemon closed the connection" }
}

/// What a burst of writers got back: the ids acknowledged with a 2xx, and everything else.
///
/// Writers report from threads of their own and the test waits on a condition, so neither
/// needs a cooperative thread: in a full parallel suite those are often all held by other
/// tests' synchronous work, and a burst that waited for them stalled (issue 17).
final class AckLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var acknowledgedIDs: [String] = []
    private var acknowledgedTimes: [Date] = []
    private var refusedAnswers: [String] = []
    private var writerEndings: [String] = []

    var ids: [String] { condition.withLock { acknowledgedIDs } }
    /// Each acknowledged id with the time its answer arrived.
    var acknowledgements: [(id: String, at: Date)] {
        condition.withLock { Array(zip(acknowledgedIDs, acknowledgedTimes)).map { (id: $0, at: $1) } }
    }
    /// Answers that were neither a 2xx nor a 503 (the daemon going away), as `status body`.
    var refusals: [String] { condition.withLock { refusedAnswers } }
    /// How each writer ended (`transport error: …`, `refused`, `done`).
    var endings: [String] { condition.withLock { writerEndings } }

    func acknowledged(_ id: String) {
        let now = Date()
        update {
            $0.acknowledgedIDs.append(id)
            $0.acknowledgedTimes.append(now)
        }
    }
    func refused(_ answer: String) { update { $0.refusedAnswers.append(answer) } }
    func ended(_ how: String) { update { $0.writerEndings.append(how) } }

    /// Waits until `count` records are acknowledged; false when every writer stopped first
    /// or `seconds` passed. The wait blocks a thread of its own, not the caller's.
    func waitFor(_ count: Int, seconds: Double, writers: Int) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        return await offThePool { [self] in
            condition.withLock {
                while acknowledgedIDs.count < count, writerEndings.count < writers, condition.wait(until: deadline) {}
                return acknowledgedIDs.count >= count
            }
        }
    }

    /// Waits until `writers` writers have ended.
    func waitForEndings(_ writers: Int) async {
        await offThePool { [self] in
            condition.withLock {
                while writerEndings.count < writers { condition.wait() }
            }
        }
    }

    private func update(_ change: (AckLog) -> Void) {
        condition.withLock {
            change(self)
            condition.broadcast()
        }
    }
}

/// Concurrent writers, each POSTing single KNOW records with explicit clocks 1, 2, 3… on a
/// thread of its own (`th_<tag>_w<n>`), until the daemon goes away (a transport error),
/// refuses a record, or `seconds` have passed.
///
/// Each writer is an OS thread with a blocking socket, so the load reaches the daemon at the
/// rate the daemon answers, whatever else the test process is running.
struct RecordBurst: Sendable {
    let port: Int
    let tag: String
    var writers = 4
    var seconds: Double = 60
    /// Each writer's wait after an answer: a steady load rather than as fast as the daemon
    /// answers, for a test that must leave the machine to the tests running beside it.
    var pauseSeconds: Double = 0

    /// Runs the writers and returns when all of them have ended.
    func run(into log: AckLog) async {
        let deadline = Date().addingTimeInterval(seconds)
        for writer in 0..<writers {
            Thread { write(writer, until: deadline, into: log) }.start()
        }
        await log.waitForEndings(writers)
    }

    private func write(_ writer: Int, until deadline: Date, into log: AckLog) {
        var clock = 1
        while Date() < deadline {
            let envelope = """
                {"act":"KNOW","actor":"did:sync:user:writer\(writer)","body":{"text":"\(tag) writer \(writer) record \(clock)"},\
                "clock":\(clock),"data_type":"SCALAR","parents":[],"thread":"th_\(tag)_w\(writer)"}
                """
            let request = RawHTTPExchange.request("POST", "/v1/records", body: Array(envelope.utf8))
            let answer: RawHTTPExchange.Response
            do {
                answer = try RawHTTPExchange.send(request, to: .tcp(port: port), seconds: 10, halfClose: false)
            } catch {
                log.ended("transport error: \(error)")
                return
            }
            guard let status = answer.status else {
                log.ended("transport error: the daemon closed the connection without answering")
                return
            }
            if (200..<300).contains(status), let id = answer.json?["id"] as? String {
                log.acknowledged(id)
            } else if status != 503 {
                log.refused("\(status) \(String(decoding: answer.body, as: UTF8.self))")
                log.ended("refused")
                return
            }
            clock += 1
            if pauseSeconds > 0 { Thread.sleep(forTimeInterval: pauseSeconds) }
        }
        log.ended("done")
    }
}
