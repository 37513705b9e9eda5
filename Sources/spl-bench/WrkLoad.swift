import Foundation

/// wrk (Debian's `wrk`) as the load generator of the single-record rows (`--load wrk`): a
/// client in C that a reader can trust, so a slow generator of our own cannot hide what the
/// daemon does. Its Lua script builds every request: a record never sent before each time
/// (the clock counts up per wrk thread), to `/v1/records`, or the same bodies to `/v1/ping`.
struct WrkLoad {
    /// What wrk's `done()` reported for one timed run.
    struct Result {
        let requests: Int
        let wallSeconds: Double
        let meanLatencyMicroseconds: Double
        let p99LatencyMicroseconds: Double
        /// wrk's own user+sys seconds.
        let cpuSeconds: Double

        var perSecond: Double { Double(requests) / wallSeconds }
        var clientNote: String { String(format: "wrk %.2f cores", cpuSeconds / wallSeconds) }
        var latencyNote: String {
            String(format: "mean %.0f µs, p99 %.0f µs", meanLatencyMicroseconds, p99LatencyMicroseconds)
        }
    }

    let executable: String
    let seconds: Int

    /// wrk on PATH, or nil.
    static func find(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/wrk" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `connections` keep-alive connections on one wrk thread (the other core is the daemon's)
    /// for `seconds`, posting to `path`; every answer must be 2xx. `firstIndex` keeps the
    /// records of one run apart from every other's.
    func run(port: Int, path: String, connections: Int, firstIndex: Int, scratch: String) throws -> Result {
        let script = scratch + "/wrk-\(firstIndex)-\(path.split(separator: "/").last ?? "").lua"
        try Self.script(path: path, firstIndex: firstIndex).write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let command = ChildProcess(
            executable: executable,
            arguments: ["-t1", "-c\(connections)", "-d\(seconds)s", "--timeout", "10s", "-s", script, "http://127.0.0.1:\(port)"],
            environment: [:])
        let result = try command.run(scratch: scratch, timeout: Double(seconds) + 60)
        guard result.status == 0 else {
            throw BenchError.commandFailed(command: command.commandLine, status: result.status, output: result.stderr)
        }
        guard let line = result.stdout.split(separator: "\n").last(where: { $0.hasPrefix("spl-bench:") }) else {
            throw BenchError.unexpectedOutput(command: command.commandLine, detail: "no spl-bench: line in \(result.stdout)")
        }
        let fields = line.dropFirst("spl-bench:".count).split(separator: " ").compactMap { Double($0) }
        guard fields.count == 6 else { throw BenchError.unexpectedOutput(command: command.commandLine, detail: "unreadable summary \(line)") }
        let (requests, micros, refused, failed) = (Int(fields[0]), fields[1], Int(fields[2]), Int(fields[3]))
        guard refused == 0, failed == 0, requests > 0 else {
            throw BenchError.unexpectedOutput(
                command: command.commandLine, detail: "\(refused) answers not 2xx and \(failed) socket errors in \(requests) requests")
        }
        return Result(
            requests: requests, wallSeconds: micros / 1e6, meanLatencyMicroseconds: fields[4],
            p99LatencyMicroseconds: fields[5], cpuSeconds: result.cpuSeconds)
    }

    /// The Lua script: the bodies are `BenchEnvelopes.envelope`'s, on thread `th_wrk_<first index>`.
    static func script(path: String, firstIndex: Int) -> String {
        """
        local index = \(firstIndex - 1)
        local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer \(ScratchEnvironment.token)"}
        function request()
            index = index + 1
            local body = string.format('{"act":"KNOW","actor":"did:sync:user:bench","body":{"text":"bench record %d","n":%d},' ..
                '"clock":%d,"data_type":"SCALAR","parents":[],"thread":"th_wrk_\(firstIndex)"}', index, index, index)
            return wrk.format("POST", "\(path)", headers, body)
        end
        function done(summary, latency, requests)
            local e = summary.errors
            io.write(string.format("spl-bench: %d %d %d %d %.1f %.1f\\n", summary.requests, summary.duration, e.status,
                e.connect + e.read + e.write + e.timeout, latency.mean, latency:percentile(99)))
        end
        """
    }
}
