import ArgumentParser

extension DaemonClient {
    /// Runs a command's work against the daemon of the home the environment names.
    ///
    /// An absent daemon prints its one-line `Error: …` and exits 3 (SPEC 5.1), so scripts can
    /// tell "start the daemon" from a refused request (exit 1).
    static func run<Result>(_ work: (DaemonClient) async throws -> Result) async throws -> Result {
        let client = DaemonClient(home: try CommandEnvironment.home())
        do {
            return try await work(client)
        } catch let error as DaemonClientError {
            switch error {
            case .notRunning, .notReachable: break
            default: throw error
            }
            StandardError.write("Error: \(error)")
            throw ExitCode(3)
        }
    }
}
