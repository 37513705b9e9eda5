/// One single-record load: `clients` keep-alive connections, each sending its own records one
/// request at a time, first to `POST /v1/ping` (the cost of HTTP alone), then to
/// `POST /v1/records` with byte-identical bodies over the same connections.
struct SingleRecordLoad {
    let clients: Int
    /// What each client sends, in order: record `index` on thread `th_bench_<client>`.
    let envelopes: [[String]]

    /// Records `firstIndex ..< firstIndex + total`, dealt out to the clients in turn.
    init(clients: Int, total: Int, firstIndex: Int) {
        self.clients = clients
        envelopes = (0..<clients).map { client in
            stride(from: firstIndex + client, to: firstIndex + total, by: clients).map { index in
                BenchEnvelopes.envelope(index, thread: "th_bench_\(client)")
            }
        }
    }

    var total: Int { envelopes.reduce(0) { $0 + $1.count } }

    /// "1 client", "4 clients".
    var clientsText: String { "\(clients) client\(clients == 1 ? "" : "s")" }

    /// Ping, then ingest (every answer 201), against the running daemon of `instance`.
    func run(on instance: ScratchInstance) throws -> (ping: MeasuredLoad, ingest: MeasuredLoad) {
        let bodies = envelopes.map { $0.map { Array($0.utf8) } }
        let connections = try (0..<clients).map { _ in try instance.tcp() }
        let pings = bodies.map { $0.map { HTTPLoadClient.request("POST", "/v1/ping", json: $0) } }
        let ingests = bodies.map { $0.map { HTTPLoadClient.request("POST", "/v1/records", json: $0) } }
        let ping = try MeasuredLoad.measure(instance) {
            try LoadGenerator.run(pings, over: connections, expectedStatus: 204, label: "POST /v1/ping")
        }
        let ingest = try MeasuredLoad.measure(instance) {
            try LoadGenerator.run(ingests, over: connections, expectedStatus: 201, label: "POST /v1/records")
        }
        return (ping, ingest)
    }
}
