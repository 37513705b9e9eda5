import Foundation
import Testing

/// A daemon stopped or killed while four writers keep it busy: every record it acknowledged
/// must be there after a restart (SPEC 4: a killed process loses nothing it acknowledged).
/// Serialized: each test loads both cores, and timing matters to what it exercises.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DaemonCrashTests {
    /// Records acknowledged before the signal, so it lands mid-burst.
    private let acknowledgedBeforeSignal = 200

    @Test func sigtermDuringAWriteBurstStopsCleanlyAndLosesNothing() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let started = try await daemon.serveReady()
        let log = AckLog()
        async let writing: Void = RecordBurst(port: daemon.port, tag: "sigterm").run(into: log)
        let busy = await log.waitFor(acknowledgedBeforeSignal, seconds: 30, writers: 4)

        kill(started.pid, SIGTERM)
        let exited = try await DaemonProcess.waitForExit(started.pid, seconds: 10)
        await writing

        let acknowledged = log.ids
        let endings = log.endings
        let refusals = log.refusals
        #expect(busy, "only \(acknowledged.count) records acknowledged before SIGTERM; writers: \(endings)")
        #expect(refusals.isEmpty, "\(refusals.prefix(3))")
        #expect(
            endings.allSatisfy { $0.hasPrefix("transport error") },
            "every writer was still writing when the daemon went away: \(endings)")
        try #require(exited, "pid \(started.pid) still runs 10 s after SIGTERM")
        daemon.expectCleanStop()

        _ = try await daemon.serveReady()
        let verify = DaemonHTTP(port: daemon.port)
        let missing = try await verify.missing(acknowledged)
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged records missing, e.g. \(missing.prefix(3))")
        #expect(try await daemon.stopDaemon().status == 0)
    }

    @Test func sigkillMidIngestThreeRoundsLosesNothingAcknowledged() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        var pid = try await daemon.serveReady().pid
        var acknowledged: [String] = []
        for round in 1...3 {
            let log = AckLog()
            async let writing: Void = RecordBurst(port: daemon.port, tag: "kill\(round)").run(into: log)
            let busy = await log.waitFor(acknowledgedBeforeSignal, seconds: 30, writers: 4)
            try await daemon.killHard(pid)
            await writing
            let roundIDs = log.ids
            let endings = log.endings
            let refusals = log.refusals
            #expect(busy, "round \(round): only \(roundIDs.count) acknowledged before SIGKILL; writers: \(endings)")
            #expect(refusals.isEmpty, "round \(round): \(refusals.prefix(3))")
            acknowledged += roundIDs

            pid = try await daemon.serveReady().pid
            let verify = DaemonHTTP(port: daemon.port)
            let missing = try await verify.missing(acknowledged)
            #expect(
                missing.isEmpty,
                "round \(round): \(missing.count) of \(acknowledged.count) acknowledged records missing, e.g. \(missing.prefix(3))")
        }
        #expect(try await daemon.stopDaemon().status == 0)
        daemon.expectCleanStop()
    }
}
