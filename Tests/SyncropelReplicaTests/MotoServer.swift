import Foundation
import Testing
@testable import SyncropelReplica

/// A moto_server started by Tests/s3/moto.sh: an S3 that checks signatures, with a bucket
/// and the access key of an IAM user allowed s3:*.
///
/// The first test that asks `MotoServer.shared()` starts it; the last of the suites marked
/// `@Suite(.motoServer)` to finish stops it (and moto.sh's watchdog stops it if this process dies).
/// A server that cannot be installed or started fails every test that asks for it: it never
/// skips them.
struct MotoServer: Sendable {
    let endpoint: String
    let region: String
    let bucket: String
    let accessKeyID: String
    let secretAccessKey: String
    let stateFolder: URL

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("s3/moto.sh")

    fileprivate static let running = RunningServer()

    /// The server of this test process, started on first use.
    static func shared() async throws -> MotoServer {
        try await running.server()
    }

    /// Holds the one start of the server, so concurrent tests share it and its failure, and
    /// counts the suites running with it, so the last one to finish stops it.
    fileprivate actor RunningServer {
        var start: Task<MotoServer, any Error>?
        var suites = 0

        func server() async throws -> MotoServer {
            if let start { return try await start.value }
            let task = Task { try await MotoServer.start() }
            start = task
            return try await task.value
        }

        func enter() {
            suites += 1
        }

        func leave() async {
            suites -= 1
            guard suites == 0, let start else { return }
            self.start = nil
            if let server = try? await start.value { await server.stop() }
        }
    }

    /// The credentials the server made; `secret` replaces the secret to play a wrong key.
    func credentials(secret: String? = nil) -> S3Credentials {
        S3Credentials(accessKeyID: accessKeyID, secretAccessKey: secret ?? secretAccessKey, source: .environment)
    }

    /// A store on this server's bucket under `prefix` (a fresh one per test keeps tests apart).
    func store(prefix: String, secret: String? = nil, timeout: Duration = .seconds(30)) throws -> S3ObjectStore {
        let configuration = try S3ReplicaConfiguration(
            url: "s3://\(bucket)/\(prefix)", endpoint: endpoint, region: region, pathStyle: true, requestTimeout: timeout)
        return S3ObjectStore(configuration: configuration, credentials: credentials(secret: secret))
    }

    static func start() async throws -> MotoServer {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("spl-moto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        // Installing moto into a new venv takes a minute or two on a busy machine; starting it, seconds.
        let run = try await ScriptRun.run(
            [script.path, "start", state.path, String(getpid())], in: state, timeoutSeconds: 600)
        guard run.status == 0 else {
            throw MotoServerError(message: "moto.sh start exited \(run.status): \(run.stderr)")
        }
        var values: [String: String] = [:]
        for line in run.stdout.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        func value(_ name: String) throws -> String {
            guard let value = values[name], !value.isEmpty else {
                throw MotoServerError(message: "moto.sh start printed no \(name): \(run.stdout) \(run.stderr)")
            }
            return value
        }
        return MotoServer(
            endpoint: try value("S3_ENDPOINT"), region: try value("S3_REGION"), bucket: try value("S3_BUCKET"),
            accessKeyID: try value("AWS_ACCESS_KEY_ID"), secretAccessKey: try value("AWS_SECRET_ACCESS_KEY"),
            stateFolder: state)
    }

    func stop() async {
        _ = try? await ScriptRun.run([Self.script.path, "stop", stateFolder.path], in: stateFolder, timeoutSeconds: 60)
        try? FileManager.default.removeItem(at: stateFolder)
    }
}

struct MotoServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// `@Suite(.motoServer)`: the suite's tests share one moto_server with every other such suite.
struct MotoServerTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await MotoServer.running.enter()
        do {
            try await function()
        } catch {
            await MotoServer.running.leave()
            throw error
        }
        await MotoServer.running.leave()
    }
}

extension Trait where Self == MotoServerTrait {
    static var motoServer: Self { Self() }
}

/// A bash script run to its end on a thread of its own, so no cooperative thread blocks;
/// timeout(1) bounds it.
///
/// Spawned with posix_spawn and reaped with waitpid rather than Foundation's Process: Process
/// learns of an exit from SIGCHLD, which this test process's main thread can take and drop,
/// leaving the exit unseen; and the script starts with no signal blocked, so the server it
/// leaves behind stops on SIGTERM.
struct ScriptRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static func run(_ arguments: [String], in folder: URL, timeoutSeconds: Int) async throws -> ScriptRun {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(arguments, in: folder, timeoutSeconds: timeoutSeconds) })
            }.start()
        }
    }

    /// Output goes to files, read after the exit: the server the script leaves running keeps
    /// nothing of ours open.
    private static func runBlocking(_ arguments: [String], in folder: URL, timeoutSeconds: Int) throws -> ScriptRun {
        let stdoutFile = folder.appendingPathComponent("script.stdout").path
        let stderrFile = folder.appendingPathComponent("script.stderr").path
        let command = ["/usr/bin/timeout", "--kill-after=10", String(timeoutSeconds), "/bin/bash"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw MotoServerError(message: "cannot start \(command[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw MotoServerError(message: "waitpid: \(String(cString: strerror(errno)))") }
        }
        // The exit code when the script exited, 128 + the signal when it was killed.
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ScriptRun(
            status: exitCode, stdout: try String(contentsOfFile: stdoutFile, encoding: .utf8),
            stderr: try String(contentsOfFile: stderrFile, encoding: .utf8))
    }
}
