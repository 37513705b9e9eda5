import SyncropelKit

/// How one doctor row came out; the worst status of a report decides its exit code.
enum DoctorStatus: String, Sendable, Comparable {
    case pass
    case warn
    case fail

    static func < (lhs: DoctorStatus, rhs: DoctorStatus) -> Bool {
        lhs.severity < rhs.severity
    }

    private var severity: Int {
        switch self {
        case .pass: return 0
        case .warn: return 1
        case .fail: return 2
        }
    }
}

/// One row of `spl doctor` (SPEC 8.5): what was checked, how it came out, and for a row
/// that warns or fails, the one command that fixes it, exactly as the operator types it.
struct DoctorCheck: Sendable, Equatable {
    let name: String
    let status: DoctorStatus
    let detail: String
    let fix: String?

    static func pass(_ name: String, _ detail: String) -> DoctorCheck {
        DoctorCheck(name: name, status: .pass, detail: detail, fix: nil)
    }

    static func warn(_ name: String, _ detail: String, fix: String?) -> DoctorCheck {
        DoctorCheck(name: name, status: .warn, detail: detail, fix: fix)
    }

    static func fail(_ name: String, _ detail: String, fix: String?) -> DoctorCheck {
        DoctorCheck(name: name, status: .fail, detail: detail, fix: fix)
    }

    /// `1 record`, `0 records`, `12 records`.
    static func counted(_ count: Int64, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    /// `{"name","status","detail"}`, plus `fix` when there is one.
    var json: JSONValue {
        var members: [JSONObject.Member] = [
            .init(key: "name", value: .string(name)), .init(key: "status", value: .string(status.rawValue)),
            .init(key: "detail", value: .string(detail)),
        ]
        if let fix { members.append(.init(key: "fix", value: .string(fix))) }
        return .object(JSONObject(members))
    }
}
