import Foundation
import SyncropelProbes

/// Issue 13's probes (slow connections, wrong tokens), judged by what they cost a valid client: its median `/health` latency
/// while the probe runs against its median just before, on the same daemon, at the same pace.
/// Here, not in the test suite, because a timing needs the cores to itself.
enum ProbeMeasures {
    static func rows(_ run: BenchRun) throws -> [BenchRow] {
        let instance = try run.instance("probes")
        try FileManager.default.createDirectory(atPath: instance.home, withIntermediateDirectories: true)
        // A 3 s head timeout so the probe ends in seconds; room for 200 extra connections.
        try "[server]\nidle_timeout_secs = 3\nmax_connections = 1024\n"
            .write(toFile: instance.home + "/config.toml", atomically: true, encoding: .utf8)
        try instance.start()
        defer { try? instance.stop() }
        let port = instance.port
        Progress.say("slow-connection probe: 200 connections trickling a head a byte a second")
        var probe = SlowConnectionProbe(connect: { try HTTPLoadClient.rawConnection(port: port) }) {
            let answer = try HTTPLoadClient(port: port).exchange(HTTPLoadClient.request("GET", "/health"))
            guard answer.status == 200 else {
                throw BenchError.unexpectedOutput(command: "GET /health", detail: "status \(answer.status) during the probe")
            }
        }
        probe.samples = run.sizes.probeLatencySamples
        let slow = try probe.run(deadline: 30)
        guard slow.stillOpen == 0 else {
            throw BenchError.unexpectedOutput(
                command: "slow-connection probe", detail: "\(slow.stillOpen) of 200 connections neither answered nor closed after 30 s")
        }
        let before = slow.before.median
        let during = slow.during.median
        let wrongRequests = run.sizes.wrongTokenRequests
        Progress.say("wrong-token probe: \(wrongRequests) requests with tokens nobody issued, from 4 attackers")
        var wrongTokenProbe = WrongTokenProbe(send: { token in
            try HTTPLoadClient(port: port).exchange(HTTPLoadClient.request("GET", "/v1/ping", token: token)).status
        }) {
            let answer = try HTTPLoadClient(port: port).exchange(HTTPLoadClient.request("GET", "/v1/ping"))
            guard answer.status == 204 else {
                throw BenchError.unexpectedOutput(command: "GET /v1/ping", detail: "status \(answer.status) during the probe")
            }
        }
        wrongTokenProbe.wrongRequests = wrongRequests
        wrongTokenProbe.samples = run.sizes.probeLatencySamples
        let wrong = try wrongTokenProbe.run()
        let refused = (wrong.statuses[401] ?? 0) + (wrong.statuses[429] ?? 0)
        guard refused == wrongRequests, wrong.unanswered == 0 else {
            throw BenchError.unexpectedOutput(
                command: "wrong-token probe", detail: "answers \(wrong.statuses), \(wrong.unanswered) unanswered of \(wrongRequests)")
        }
        return [
            BenchRow(
                "slow-connection probe: valid client's median latency", value: during, unit: "ms", baseline: before,
                budget: .ratioAtMost(2, ratio: during / before),
                notes: [
                    "baseline: the same client just before, same pace", "200 heads trickled a byte a second",
                    String(format: "all ended in %.1f s (%d answered, %d closed)", slow.secondsToEnd, slow.answered, slow.closed),
                ]),
            BenchRow(
                "wrong-token probe: valid client's median latency", value: wrong.during.median, unit: "ms",
                baseline: wrong.before.median, budget: .ratioAtMost(2, ratio: wrong.during.median / wrong.before.median),
                notes: [
                    "baseline: the same client just before, same pace", "\(wrongRequests) wrong tokens from 4 attackers on the same address",
                    String(format: "all answered in %.1f s (%d 401, %d 429)", wrong.seconds, wrong.statuses[401] ?? 0, wrong.statuses[429] ?? 0),
                ]),
        ]
    }
}
