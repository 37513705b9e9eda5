/// SPEC 12's thread read: the newest page of a 10 000-record thread, beside `GET /v1/ping`
/// on the same keep-alive connection.
enum ReadMeasures {
    static let thread = "th_bench_read"

    /// Writes the thread by batch ingest into `instance` (running), then times the reads.
    /// `store` names a store other than the default file in the measure ("on PostgreSQL").
    static func threadRead(_ run: BenchRun, instance: ScratchInstance, store: String? = nil) throws -> BenchRow {
        let sizes = run.sizes
        Progress.say("thread read: writing a \(sizes.threadRecords)-record thread")
        let connection = try instance.tcp()
        for first in stride(from: 1, through: sizes.threadRecords, by: sizes.batchSize) {
            let request = BenchEnvelopes.batchRequest(first..<min(first + sizes.batchSize, sizes.threadRecords + 1)) { _ in thread }
            let answer = try connection.exchange(request)
            guard answer.status == 201 else {
                throw BenchError.requestRefused(request: "POST /v1/records (\(thread))", status: answer.status, body: answer.bodyText)
            }
        }
        Progress.say("thread read: \(sizes.threadReads) pages of \(sizes.threadPage)")
        let target = "/v1/threads/\(thread)/records?limit=\(sizes.threadPage)"
        let read = HTTPLoadClient.request("GET", target)
        let ping = HTTPLoadClient.request("GET", "/v1/ping")
        var pings = Samples()
        var reads = Samples()
        var pages: [HTTPAnswer] = []
        let memory = PeakMemory.begin(try instance.requirePID())
        for _ in 0..<sizes.threadReads {
            var started = Stopwatch.now()
            let pong = try connection.exchange(ping)
            pings.add((Stopwatch.now() - started) * 1000)
            guard pong.status == 204 else {
                throw BenchError.requestRefused(request: "GET /v1/ping", status: pong.status, body: pong.bodyText)
            }
            started = Stopwatch.now()
            let page = try connection.exchange(read)
            reads.add((Stopwatch.now() - started) * 1000)
            pages.append(page)
        }
        let peak = memory.megabytes()
        for page in pages {
            guard page.status == 200 else {
                throw BenchError.requestRefused(request: "GET \(target)", status: page.status, body: page.bodyText)
            }
            let records = recordCount(page)
            guard records == sizes.threadPage else {
                throw BenchError.badAnswer(request: "GET \(target)", detail: "\(records) records in the page, expected \(sizes.threadPage)")
            }
        }
        return BenchRow(
            "thread read\(store.map { " " + $0 } ?? ""), \(sizes.threadPage)-record page of a \(BenchSizes.short(sizes.threadRecords))-record thread", value: reads.median, unit: "ms",
            baseline: pings.median, budget: .atMost(20, "ms", value: reads.median), daemonPeakMB: peak,
            notes: [String(format: "p95 %.1f ms", reads.p95), "median of \(sizes.threadReads)", "baseline: GET /v1/ping, same connection"]
                + (memory.note.map { [$0] } ?? []))
    }

    /// The records in a page the daemon answered.
    static func recordCount(_ page: HTTPAnswer) -> Int {
        page.bodyText.components(separatedBy: #""object":"record""#).count - 1
    }
}
