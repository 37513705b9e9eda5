import Foundation
import SyncropelTestSupport

/// A real `spl serve --daemon` on a free port, in the scratch home and scratch `HOME`
/// of an `SPLProcess`. Call `stop()` (and `spl.remove()`) when done.
struct DaemonFixture {
    let spl: SPLProcess
    let port: Int

    init(spl: SPLProcess? = nil) throws {
        self.spl = try spl ?? SPLProcess()
        port = try Self.freePort()
    }

    /// `spl serve --daemon --port <port>` plus `arguments`; returns when the daemon is ready or failed.
    @discardableResult
    func start(_ arguments: [String] = [], extraEnvironment: [String: String] = [:]) async throws -> SPLProcess.Result {
        try await spl.run(["serve", "--daemon", "--port", String(port)] + arguments, extraEnvironment: extraEnvironment)
    }

    /// `spl stop`; harmless when nothing runs.
    @discardableResult
    func stop() async throws -> SPLProcess.Result {
        try await spl.run(["stop"])
    }

    /// The daemon's pid from run/spl.pid, while one runs.
    var pid: Int32? {
        guard let text = try? String(contentsOfFile: spl.home.path + "/run/spl.pid", encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// One HTTP request to the daemon over TCP; the body of the answer is returned raw.
    /// Sends the test daemons' admin token unless told otherwise (nil sends none).
    func http(
        _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:], token: String? = TestToken.bootstrap
    ) async throws -> (status: Int, body: Data) {
        try await DaemonHTTP(port: port).send(method, path, json: json, headers: headers, token: token)
    }

    /// `http` with the answer decoded as a JSON object.
    func httpJSON(
        _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:], token: String? = TestToken.bootstrap
    ) async throws -> (status: Int, object: [String: Any]) {
        let (status, body) = try await http(method, path, json: json, headers: headers, token: token)
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        return (status, object)
    }

    /// `httpJSON` through the daemon's unix socket, where the admin routes answer.
    func socketJSON(_ method: String, _ path: String, json: String? = nil) async throws -> (status: Int, object: [String: Any]) {
        let (status, body) = try await DaemonHTTP(socket: home + "/run/spl.sock").send(method, path, json: json)
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        return (status, object)
    }

    /// A TCP port nothing listens on right now: listen on port 0, read the port, close.
    static func freePort() throws -> Int {
        try ListeningSocket().port
    }
}
