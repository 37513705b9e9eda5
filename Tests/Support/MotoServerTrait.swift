// Testing is importable only in a build of the tests; `swift build -c release` builds this
// target too, for the README's first command, and must not need it.
#if canImport(Testing)
import Testing

/// `@Suite(.motoServer)`: the suite's tests share one moto_server with every other such suite.
public struct MotoServerTrait: SuiteTrait, TestScoping {
    public func provideScope(
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
    public static var motoServer: Self { Self() }
}
#endif
