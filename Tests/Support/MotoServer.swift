import Foundation

/// A moto_server started by Tests/s3/moto.sh: an S3 that checks signatures, with a bucket
/// and the access key of an IAM user allowed s3:*.
///
/// The first test that asks `MotoServer.shared()` starts it; the last of the suites marked
/// `@Suite(.motoServer)` to finish stops it (and moto.sh's watchdog stops it if this process dies).
/// A test that stops the server on purpose (`pause()`) starts one of its own with `start()`,
/// so the shared one keeps serving the others. A server that cannot be installed or started
/// fails every test that asks for it: it never skips them.
public struct MotoServer: Sendable {
    public let endpoint: String
    public let region: String
    public let bucket: String
    public let accessKeyID: String
    public let secretAccessKey: String
    let stateFolder: URL

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("s3/moto.sh")

    static let running = SharedServer(start: { try await MotoServer.start() }, stop: { await $0.stop() })

    /// The server of this test process, started on first use.
    public static func shared() async throws -> MotoServer {
        try await running.server()
    }

    /// The environment that gives `spl` this server's credentials.
    public var credentialEnvironment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey]
    }

    /// A server of the caller's own; `stop()` it when done.
    public static func start() async throws -> MotoServer {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("spl-moto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // Installing moto into a new venv takes a minute or two on a busy machine; starting it, seconds.
        let run = try await ScriptRun.run(
            [script.path, "start", state.path, String(getpid())], in: state, timeoutSeconds: 600)
        guard run.status == 0 else {
            throw TestServerError(message: "moto.sh start exited \(run.status): \(run.stderr)")
        }
        return MotoServer(
            endpoint: try run.printedValue("S3_ENDPOINT"), region: try run.printedValue("S3_REGION"),
            bucket: try run.printedValue("S3_BUCKET"), accessKeyID: try run.printedValue("AWS_ACCESS_KEY_ID"),
            secretAccessKey: try run.printedValue("AWS_SECRET_ACCESS_KEY"),
            stateFolder: state)
    }

    public func stop() async {
        // A paused server would not see the SIGTERM that stops it.
        try? signalGroup(SIGCONT)
        _ = try? await ScriptRun.run([Self.script.path, "stop", stateFolder.path], in: stateFolder, timeoutSeconds: 60)
        try? FileManager.default.removeItem(at: stateFolder)
    }

    /// SIGSTOP: the server keeps its port and its connections but answers nothing, as a
    /// storage server that hangs does; requests wait until their own timeout.
    public func pause() throws {
        try signalGroup(SIGSTOP)
    }

    /// SIGCONT after `pause()`: the server answers again, the requests that waited first.
    public func resume() throws {
        try signalGroup(SIGCONT)
    }

    /// moto_server leads a process group of its own (moto.sh starts it with setsid).
    private func signalGroup(_ signal: Int32) throws {
        let text = try String(contentsOf: stateFolder.appendingPathComponent("moto.pid"), encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw TestServerError(message: "moto.pid holds no process id: \(text.debugDescription)")
        }
        guard kill(-pid, signal) == 0 else {
            throw TestServerError(message: "kill(-\(pid), \(signal)): \(String(cString: strerror(errno)))")
        }
    }
}
