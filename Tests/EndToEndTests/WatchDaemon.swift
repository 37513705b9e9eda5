import Foundation
import SyncropelTestSupport
import Testing

/// A daemon for the watch tests, with helpers to write records and open watches.
struct WatchDaemon {
    let fixture: DaemonFixture
    let http: DaemonHTTP

    /// Starts `spl serve --daemon` in a scratch home; `environment` reaches the daemon.
    static func start(environment: [String: String] = [:], prepare: (DaemonFixture) async throws -> Void = { _ in }) async throws -> WatchDaemon {
        let fixture = try DaemonFixture()
        try await prepare(fixture)
        let started = try await fixture.start(extraEnvironment: environment)
        guard started.status == 0 else {
            fixture.tearDown()
            throw WatchTestError("spl serve --daemon exited \(started.status): \(started.stderr)")
        }
        return WatchDaemon(fixture: fixture, http: DaemonHTTP(port: fixture.port))
    }

    func tearDown() {
        fixture.tearDown()
    }

    var port: Int { fixture.port }

    static func envelope(thread: String, clock: Int, actor: String = "did:sync:user:watch-test", text: String = "hi") -> String {
        #"{"act":"KNOW","actor":"\#(actor)","body":{"text":"\#(text)"},"clock":\#(clock),"data_type":"SCALAR","parents":[],"thread":"\#(thread)"}"#
    }

    /// POSTs one record; its stored JSON object.
    @discardableResult
    func post(thread: String, clock: Int, actor: String = "did:sync:user:watch-test") async throws -> [String: Any] {
        let (status, body) = try await http.send("POST", "/v1/records", json: Self.envelope(thread: thread, clock: clock, actor: actor))
        guard status == 201, let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw WatchTestError("POST /v1/records answered \(status): \(String(decoding: body, as: UTF8.self))")
        }
        return object
    }

    /// POSTs a batch of records with clocks `clocks` on `thread`, all created, each with a
    /// body text of about `textBytes` bytes.
    func postBatch(thread: String, clocks: ClosedRange<Int>, textBytes: Int = 40) async throws {
        let padding = String(repeating: "x", count: max(0, textBytes - 40))
        let envelopes = clocks.map { Self.envelope(thread: thread, clock: $0, text: "record \($0) of a batch on \(thread) \(padding)") }
        let (status, body) = try await http.send("POST", "/v1/records", json: #"{"records":[\#(envelopes.joined(separator: ","))]}"#)
        guard status == 201 else { throw WatchTestError("batch POST answered \(status): \(String(decoding: body, as: UTF8.self))") }
    }

    /// The sequences of every record of `thread`, ascending, paged through `GET /v1/threads/{id}/records`.
    func sequences(of thread: String) async throws -> [Int64] {
        var sequences: [Int64] = []
        var query = "since=-1&limit=1000"
        while true {
            let (_, body) = try await http.send("GET", "/v1/threads/\(thread)/records?\(query)")
            let page = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
            let records = page["data"] as? [[String: Any]] ?? []
            sequences += records.compactMap { ($0["sequence"] as? Int).map(Int64.init) }
            guard !records.isEmpty, let next = page["next_cursor"] as? String else { break }
            query = "limit=1000&cursor=\(next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next)"
        }
        return sequences.sorted()
    }

    /// Opens a watch and waits for its response head; fails unless it is `200 text/event-stream`.
    func watch(
        _ thread: String, query: String = "", lastEventID: Int64? = nil, receiveBuffer: Int32? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> WatchConnection {
        let headers = lastEventID.map { ["Last-Event-ID": String($0)] } ?? [:]
        let connection = try WatchConnection(port: port, thread: thread, query: query, headers: headers, receiveBuffer: receiveBuffer)
        try await waitFor(connection, seconds: 20) { $0.status != nil }
        try #require(connection.status == 200, "watch \(thread)\(query) answered \(connection.status.map(String.init) ?? "nothing")", sourceLocation: sourceLocation)
        #expect(connection.headers["content-type"] == "text/event-stream", sourceLocation: sourceLocation)
        return connection
    }

    /// Reads `connection` until `done` holds; throws after `seconds`.
    func waitFor(
        _ connection: WatchConnection, seconds: Double, what: String = "the expected frames", until done: @escaping (WatchConnection) -> Bool
    ) async throws {
        let box = UncheckedBox((connection, done))
        let met = await offThePool { box.value.0.wait(seconds: seconds, until: box.value.1) }
        guard met else {
            throw WatchTestError("no \(what) within \(seconds) s; got \(connection.frames.count) frames, ended: \(connection.isEnded)")
        }
    }

    /// `Threads:` of the daemon process, from /proc.
    func threadCount(pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }),
            let count = Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
        else { throw WatchTestError("no Threads: line in /proc/\(pid)/status") }
        return count
    }

    /// The names of the daemon's threads (`/proc/PID/task/*/comm`), sorted, so a failure says
    /// which pool grew.
    func threadNames(pid: Int32) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }.sorted()
    }
}

struct WatchTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Hands a non-Sendable value to the thread that does blocking socket work; the test waits
/// for that thread, so the value is never used from two threads at once.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
