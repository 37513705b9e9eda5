/// The records the benchmark writes, as the JSON an SDK would send.
///
/// Every record is unique (its index is in the body and is the clock), so each ingest
/// creates a record: an identical one would be answered 200 and not stored.
enum BenchEnvelopes {
    /// One record envelope, `{"act":"KNOW",…,"thread":…}`.
    static func envelope(_ index: Int, thread: String) -> String {
        #"{"act":"KNOW","actor":"did:sync:user:bench","body":{"text":"bench record \#(index)","n":\#(index)},"clock":\#(index),"data_type":"SCALAR","parents":[],"thread":"\#(thread)"}"#
    }

    /// The 100 threads a bulk load spreads records over, as scripts/bench-backup does.
    static func spreadThread(_ index: Int) -> String {
        "th_bench_\(index % 100)"
    }

    /// `{"records":[…]}` for the records `indices`, each on `thread(index)`.
    static func batchBody(_ indices: Range<Int>, thread: (Int) -> String) -> [UInt8] {
        var text = #"{"records":["#
        for index in indices {
            if index != indices.lowerBound { text += "," }
            text += envelope(index, thread: thread(index))
        }
        text += "]}"
        return Array(text.utf8)
    }

    /// `POST /v1/records` of a batch: the request bytes, ready to write.
    static func batchRequest(_ indices: Range<Int>, thread: (Int) -> String) -> [UInt8] {
        HTTPLoadClient.request("POST", "/v1/records", json: batchBody(indices, thread: thread))
    }
}
