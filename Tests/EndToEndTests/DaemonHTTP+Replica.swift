import Foundation
import Testing

extension DaemonHTTP {
    /// Polls `/health` until the replica holds every record and reports no lag.
    func replicaCaughtUp(seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let (_, body) = try await send("GET", "/health")
            let health = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
            let replication = (health["replication"] as? [[String: Any]])?.first ?? [:]
            let records = (health["records"] as? NSNumber)?.int64Value ?? -1
            let shipped = (replication["shipped_sequence"] as? NSNumber)?.int64Value
            if shipped == records, (replication["lag_records"] as? NSNumber)?.int64Value == 0, replication["state"] as? String == "working" {
                return true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// One record of the log as the query API returns it.
struct LoggedRecord: Equatable, CustomStringConvertible {
    let sequence: Int64
    let id: String
    let createdAt: Int64
    var description: String { "\(sequence) \(id) \(createdAt)" }
}

extension DaemonHTTP {
    /// `writers` tasks posting `each` records on threads of their own; the acknowledged ids.
    func writeRecords(writers: Int, each: Int, tag: String = "replica") async throws -> [String] {
        try await withThrowingTaskGroup(of: [String].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var ids: [String] = []
                    for clock in 1...each {
                        let envelope = """
                            {"act":"KNOW","actor":"did:sync:user:writer\(writer)","body":{"text":"\(tag) \(writer) \(clock)"},\
                            "clock":\(clock),"data_type":"SCALAR","parents":[],"thread":"th_\(tag)_w\(writer)"}
                            """
                        let answer = try await post(envelope)
                        try #require(answer.id != nil, "\(answer.status) \(answer.body)")
                        ids.append(answer.id!)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// Every record the daemon serves, in sequence order.
    func allRecords() async throws -> [LoggedRecord] {
        var records: [LoggedRecord] = []
        while true {
            let (status, body) = try await send("POST", "/v1/records/query", json: #"{"limit":1000,"offset":\#(records.count)}"#)
            try #require(status == 200, "\(String(decoding: body, as: UTF8.self))")
            let page = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["data"] as? [[String: Any]] ?? []
            records += page.map { object in
                LoggedRecord(
                    sequence: (object["sequence"] as? NSNumber)?.int64Value ?? -1, id: object["id"] as? String ?? "",
                    createdAt: (object["created_at"] as? NSNumber)?.int64Value ?? -1)
            }
            if page.count < 1000 { return records }
        }
    }
}
