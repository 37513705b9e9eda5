import Foundation
import Glibc

/// Issue 14's rows for two daemons of one instance on one PostgreSQL database, the active one
/// (which writes) and a standby (which serves reads and answers writes 503 STANDBY): reads per
/// second served by one daemon and by both, and how long the standby takes to write after the
/// active daemon is SIGKILLed.
enum PostgresServingMeasures {
    /// Records per page of the fixed read: small enough that the daemons, not the JSON, bound it.
    static let readPage = 100
    /// How long a standby may take to write before the takeover row gives up.
    static let takeoverLimit = 30.0
    /// Between two writes to the standby while it has not taken over.
    static let takeoverPollMicroseconds: UInt32 = 20_000

    /// A second daemon beside `active` (running and active): a new home with its identity,
    /// on its database, which must come up as the standby.
    static func standby(_ run: BenchRun, beside active: ScratchInstance) throws -> ScratchInstance {
        Progress.say("starting a standby daemon on \(active.name)'s database")
        let standby = try run.instance("postgres-standby", storeURL: active.storeURL)
        try standby.adoptIdentity(of: active)
        try standby.start()
        try requireRoles(active: active, standby: standby)
        return standby
    }

    /// The same page read over 4 keep-alive connections, all to the active daemon, then 2 to it
    /// and 2 to the standby; the two-daemon row's baseline is the one-daemon figure.
    static func reads(_ run: BenchRun, active: ScratchInstance, standby: ScratchInstance) throws -> [BenchRow] {
        let total = run.sizes.postgresReads
        let target = "/v1/threads/\(ReadMeasures.thread)/records?limit=\(readPage)"
        let read = HTTPLoadClient.request("GET", target)
        let requests = [[UInt8]](repeating: read, count: total / 4)
        let label = "GET \(target)"
        Progress.say("reads on PostgreSQL: \(total) × \(label), 4 connections to the active daemon")
        let one = try LoadGenerator.run(
            [[[UInt8]]](repeating: requests, count: 4), over: try checkedConnections([active, active, active, active], read: read, label: label),
            expectedStatus: 200, label: label)
        Progress.say("reads on PostgreSQL: the same, 2 connections to the active daemon and 2 to the standby")
        let two = try LoadGenerator.run(
            [[[UInt8]]](repeating: requests, count: 4), over: try checkedConnections([active, active, standby, standby], read: read, label: label),
            expectedStatus: 200, label: label)
        let common = ["\(total) reads of the newest \(readPage) records of a \(BenchSizes.short(run.sizes.threadRecords))-record thread"]
        return [
            BenchRow(
                "reads on PostgreSQL, one daemon (4 connections)", value: one.perSecond, unit: "reads/s",
                notes: common + [one.clientNote]),
            BenchRow(
                "reads on PostgreSQL, active + standby (2 + 2 connections)", value: two.perSecond, unit: "reads/s",
                baseline: one.perSecond, notes: common + [two.clientNote, "baseline: one daemon, the row above"]),
        ]
    }

    /// SIGKILL of the active daemon, then a new record to the standby every 20 ms until it
    /// answers 201; `sizes.takeoverRuns` times, the killed daemon started again after each run
    /// as the next run's standby. The value is the median, from the kill to that 201.
    static func takeover(_ run: BenchRun, active: ScratchInstance, standby: ScratchInstance) throws -> BenchRow {
        let runs = run.sizes.takeoverRuns
        var (active, standby) = (active, standby)
        var takeovers = Samples()
        var clock = 1
        for round in 1...runs {
            try requireRoles(active: active, standby: standby)
            Progress.say("takeover \(round) of \(runs): SIGKILL of the active daemon on port \(active.port)")
            let pid = try active.requirePID()
            let killedAt = Stopwatch.now()
            try active.killDaemon()
            let acceptedAt = try firstWrite(standby, clock: &clock, killedAt: killedAt)
            takeovers.add((acceptedAt - killedAt) * 1000)
            guard round < runs else { break }
            try waitForExit(pid)
            try active.start()
            swap(&active, &standby)
        }
        let median = takeovers.median
        return BenchRow(
            "standby takeover after SIGKILL of the active daemon", value: median, unit: "ms",
            budget: .atMost(5000, "ms", value: median),
            notes: [
                "median of \(runs): " + takeovers.values.map { String(format: "%.0f", $0) }.joined(separator: " · ") + " ms",
                "from the SIGKILL until the standby answers POST /v1/records 201, a new record every 20 ms over a new connection",
            ])
    }

    /// A connection to each daemon, each checked with one untimed read of a full page: the
    /// standby serves what the active daemon wrote, and no first-request setup is timed.
    private static func checkedConnections(_ daemons: [ScratchInstance], read: [UInt8], label: String) throws -> [HTTPLoadClient] {
        try daemons.map { daemon in
            let connection = try daemon.tcp()
            let page = try connection.exchange(read)
            guard page.status == 200 else {
                throw BenchError.requestRefused(request: "\(label) on \(daemon.name)", status: page.status, body: page.bodyText)
            }
            guard ReadMeasures.recordCount(page) == readPage else {
                throw BenchError.badAnswer(
                    request: "\(label) on \(daemon.name)", detail: "\(ReadMeasures.recordCount(page)) records in the page, expected \(readPage)")
            }
            return connection
        }
    }

    /// When the standby first answered a new record 201. A 503 (STANDBY) or a connection
    /// error means not yet; anything else is an error.
    private static func firstWrite(_ standby: ScratchInstance, clock: inout Int, killedAt: Double) throws -> Double {
        var lastAnswer = "none"
        while Stopwatch.now() - killedAt < takeoverLimit {
            let body = Array(BenchEnvelopes.envelope(clock, thread: "th_bench_takeover").utf8)
            clock += 1
            do {
                // A new connection each time: a daemon may close one after a 503.
                let answer = try standby.tcp().exchange(HTTPLoadClient.request("POST", "/v1/records", json: body))
                if answer.status == 201 { return Stopwatch.now() }
                guard answer.status == 503 else {
                    throw BenchError.requestRefused(request: "POST /v1/records on the standby", status: answer.status, body: answer.bodyText)
                }
                lastAnswer = "503 " + answer.bodyText
            } catch let error as BenchError {
                switch error {
                case .connectFailed, .connectionLost: lastAnswer = error.description
                default: throw error
                }
            }
            usleep(takeoverPollMicroseconds)
        }
        throw BenchError.noTakeover(port: standby.port, seconds: takeoverLimit, lastAnswer: lastAnswer)
    }

    /// Waits until the killed daemon's pid is gone (or a zombie), so its home can serve again.
    private static func waitForExit(_ pid: Int32) throws {
        let started = Stopwatch.now()
        while kill(pid, 0) == 0 && !isZombie(pid) {
            guard Stopwatch.now() - started < 10 else {
                throw BenchError.unexpectedOutput(command: "kill -9 \(pid)", detail: "the daemon still runs 10 s after SIGKILL")
            }
            usleep(10_000)
        }
    }

    /// `State: Z` in /proc: dead, waiting for a parent that is not us to reap it.
    private static func isZombie(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return status.contains("\nState:\tZ")
    }

    private static func requireRoles(active: ScratchInstance, standby: ScratchInstance) throws {
        for (daemon, expected) in [(active, "active"), (standby, "standby")] {
            let role = try daemon.role()
            guard role == expected else {
                throw BenchError.unexpectedOutput(
                    command: "GET /health on \(daemon.name)", detail: "role \(role ?? "missing"), expected \(expected)")
            }
        }
    }
}
