/// One server that the tests of a process share: started by the first test that asks, stopped
/// when the last suite using it finishes (`SharedServerTrait`). Concurrent tests share its
/// start and its failure.
public actor SharedServer<Server: Sendable> {
    private let startServer: @Sendable () async throws -> Server
    private let stopServer: @Sendable (Server) async -> Void
    private var start: Task<Server, any Error>?
    private var suites = 0

    init(start: @escaping @Sendable () async throws -> Server, stop: @escaping @Sendable (Server) async -> Void) {
        startServer = start
        stopServer = stop
    }

    /// The server, started on first use. A test outside every suite that counts itself in
    /// (`SharedServerTrait`) is refused: the last counted suite could stop the server under it.
    func server() async throws -> Server {
        guard suites > 0 else {
            throw TestServerError(message: "a shared test server was asked for by a suite that does not name its trait "
                + "(@Suite(.motoServer) or @Suite(.postgresServer)); add it, or another suite's end stops the server mid-test")
        }
        if let start { return try await start.value }
        let task = Task { try await startServer() }
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
        if let server = try? await start.value { await stopServer(server) }
    }
}

extension ScriptRun {
    /// The value of the `NAME=value` line a start script printed. The error quotes only the
    /// script's stderr: its stdout holds the server's secrets.
    func printedValue(_ name: String) throws -> String {
        for line in stdout.split(separator: "\n") where line.hasPrefix(name + "=") {
            let value = String(line.dropFirst(name.count + 1))
            if !value.isEmpty { return value }
        }
        throw TestServerError(message: "the start script printed no \(name): \(stderr)")
    }
}

/// A test server that could not be started or driven, with the script's own words.
struct TestServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
