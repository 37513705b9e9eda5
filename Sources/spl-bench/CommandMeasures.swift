/// SPEC 12's process measures: the `spl know` round trip beside `spl --version` (process
/// start alone), and a full `spl drill`.
enum CommandMeasures {
    /// `spl know` against `instance`'s running daemon, which the CLI reaches over the
    /// home's unix socket; each run is timed from spawn to exit.
    static func know(_ run: BenchRun, instance: ScratchInstance) throws -> BenchRow {
        let runs = run.sizes.knowRuns
        Progress.say("spl know round trip: \(runs) runs, and \(runs) of spl --version")
        var versions = Samples()
        for _ in 0..<runs {
            versions.add(try instance.run(["--version"], timeout: 30).wallSeconds * 1000)
        }
        var knows = Samples()
        let memory = PeakMemory.begin(try instance.requirePID())
        for index in 1...runs {
            knows.add(try instance.run(["know", "bench know \(index)", "--thread", "th_bench_know"], timeout: 30).wallSeconds * 1000)
        }
        return BenchRow(
            "spl know round trip", value: knows.median, unit: "ms", baseline: versions.median,
            budget: .atMost(30, "ms", value: knows.median), daemonPeakMB: memory.megabytes(),
            notes: [String(format: "p95 %.1f ms", knows.p95), "median of \(runs)", "\(run.spl.build) spl",
                    "baseline: spl --version"] + (memory.note.map { [$0] } ?? []))
    }

    /// `spl drill`: it makes its own scratch home and port; run with a scratch `HOME`.
    static func drill(_ run: BenchRun) throws -> BenchRow {
        Progress.say("spl drill")
        let instance = try run.instance("drill")
        let result = try instance.run(["drill"], timeout: 300)
        let recovery = result.stdout.split(separator: "\n").first { $0.hasPrefix("time-to-recover:") }
        return BenchRow(
            "full spl drill", value: result.wallSeconds, unit: "s", budget: .atMost(5, "s", value: result.wallSeconds),
            notes: (recovery.map { [String($0)] } ?? []) + ["the drill's own daemon: memory not sampled"])
    }
}
