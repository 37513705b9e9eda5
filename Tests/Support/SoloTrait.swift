// Testing is importable only in a build of the tests; `swift build -c release` builds this
// target too, for the README's first command, and must not need it.
#if canImport(Testing)
import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// `@Suite(.solo)`: a suite that loads the machine flat out for minutes (SIGKILL rounds under
    /// 4-client ingest, a 70 s S3 outage) and measures rates while it does. Beside the other
    /// suites it starves their daemons and they starve its measurements, so the plain run skips
    /// it and `scripts/test` runs each such suite on its own afterwards (`SPL_SOLO_TESTS=1`).
    public static var solo: Self {
        .enabled(if: ProcessInfo.processInfo.environment["SPL_SOLO_TESTS"] == "1",
                 "runs alone: scripts/test runs it with SPL_SOLO_TESTS=1 after the other suites")
    }
}
#endif
