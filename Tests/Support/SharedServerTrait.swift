// Testing is importable only in a build of the tests; `swift build -c release` builds this
// target too, for the README's first command, and must not need it.
#if canImport(Testing)
import Testing

/// A suite trait that counts the suite among the users of a `SharedServer`, so the last
/// suite to finish stops the server.
public struct SharedServerTrait<Server: Sendable>: SuiteTrait, TestScoping {
    let running: SharedServer<Server>

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await running.enter()
        do {
            try await function()
        } catch {
            await running.leave()
            throw error
        }
        await running.leave()
    }
}

extension Trait where Self == SharedServerTrait<MotoServer> {
    /// `@Suite(.motoServer)`: the suite's tests share one moto_server with every other such suite.
    public static var motoServer: Self { Self(running: MotoServer.running) }
}

extension Trait where Self == SharedServerTrait<PostgresServer> {
    /// `@Suite(.postgresServer)`: the suite's tests share one PostgreSQL cluster with every other such suite.
    public static var postgresServer: Self { Self(running: PostgresServer.running) }
}
#endif
