import Foundation
import SyncropelKit

/// Each phase's result and wall time, the drill's table and its time-to-recover.
struct DrillReport {
    struct Row {
        let phase: String
        /// `ok`, `FAILED` or `skipped`.
        let result: String
        let seconds: Double?
    }

    private(set) var rows: [Row] = []
    /// The first phase that failed, and why.
    private(set) var failure: (phase: String, reason: String)?
    private(set) var timeToRecover: Duration?
    private let started = ContinuousClock.now
    /// The drill's whole wall time, once it is over.
    private(set) var total: Duration?

    /// Runs one phase and records how it went and how long it took.
    mutating func time(_ phase: String, _ body: () async throws -> Void) async {
        let start = ContinuousClock.now
        var result = "ok"
        do {
            try await body()
        } catch {
            result = "FAILED"
            if failure == nil { failure = (phase, "\(error)") }
        }
        rows.append(Row(phase: phase, result: result, seconds: Self.seconds(ContinuousClock.now - start)))
    }

    mutating func skip(_ phase: String) {
        rows.append(Row(phase: phase, result: "skipped", seconds: nil))
    }

    /// Stops the drill's clock.
    mutating func finish(timeToRecover: Duration?) {
        total = ContinuousClock.now - started
        self.timeToRecover = timeToRecover
    }

    /// The table, a total row, and `time-to-recover: X s` once the restored state was verified.
    var lines: [String] {
        let table = TextTable(
            header: ["PHASE", "RESULT", "SECONDS"],
            rows: rows.map { [$0.phase, $0.result, $0.seconds.map(Self.format) ?? "-"] }
                + [["total", failure == nil ? "ok" : "FAILED", total.map { Self.format(Self.seconds($0)) } ?? "-"]])
        var lines = table.lines
        if let timeToRecover {
            lines.append("time-to-recover: \(Self.format(Self.seconds(timeToRecover))) s")
        }
        return lines
    }

    /// `{"object":"drill","ok","failed_phase","reason","phases":[{"phase","result","seconds"}],
    /// "total_seconds","time_to_recover_seconds"}`; seconds are numbers, or null when not measured.
    var json: JSONValue {
        let seconds = { (value: Double?) in value.map(JSONValue.double) ?? .null }
        return .object(JSONObject([
            "object": "drill", "ok": .bool(failure == nil),
            "failed_phase": failure.map { .string($0.phase) } ?? .null, "reason": failure.map { .string($0.reason) } ?? .null,
            "phases": .array(rows.map { row in
                .object(JSONObject(["phase": .string(row.phase), "result": .string(row.result), "seconds": seconds(row.seconds)]))
            }),
            "total_seconds": seconds(total.map(Self.seconds)), "time_to_recover_seconds": seconds(timeToRecover.map(Self.seconds)),
        ]))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }
}
