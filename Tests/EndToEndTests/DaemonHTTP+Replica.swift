import Foundation

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
