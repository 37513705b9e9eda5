import SyncropelKit

/// The rows of one `spl doctor` run and what they add up to: the exit code, the table, the JSON.
///
/// Pure: the checks gather the rows, this only folds and formats them.
///
/// ```swift
/// let report = DoctorReport(checks: [.pass("daemon", "running"), .warn("pid file", "stale", fix: "rm /h/run/spl.pid")])
/// report.exitCode   // 1
/// ```
struct DoctorReport: Sendable, Equatable {
    let checks: [DoctorCheck]

    /// The worst status of any row; an empty report passes.
    var status: DoctorStatus {
        checks.map(\.status).max() ?? .pass
    }

    /// SPEC 8.5: 0 when every row passes, 1 when any warns, 2 when any fails.
    var exitCode: Int32 {
        switch status {
        case .pass: return 0
        case .warn: return 1
        case .fail: return 2
        }
    }

    /// `12 checks: 10 pass, 1 warn, 1 fail`.
    var summary: String {
        let count = { (status: DoctorStatus) in checks.filter { $0.status == status }.count }
        return "\(checks.count) checks: \(count(.pass)) pass, \(count(.warn)) warn, \(count(.fail)) fail"
    }

    /// The table, then one `fix <name>: <command>` line per row that has a fix, then the summary.
    var textLines: [String] {
        let table = TextTable(
            header: ["CHECK", "STATUS", "DETAIL"], rows: checks.map { [$0.name, $0.status.rawValue, $0.detail] })
        let fixes = checks.compactMap { check in check.fix.map { "fix \(check.name): \($0)" } }
        return table.lines + (fixes.isEmpty ? [] : [""] + fixes) + ["", summary]
    }

    /// `{"object":"doctor_report","checks":[…]}`.
    var json: JSONValue {
        .object(JSONObject([
            .init(key: "object", value: "doctor_report"), .init(key: "checks", value: .array(checks.map(\.json))),
        ]))
    }
}
