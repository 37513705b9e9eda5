import Foundation
import Testing

/// One `spl doctor` run: its exit status, output, and (for `--json`) the rows it printed.
struct DoctorRun {
    let result: SPLProcess.Result
    /// Each row as its JSON members, in order; empty for a text run.
    let rows: [[String: String]]

    var status: Int32 { result.status }

    func row(_ name: String) -> [String: String]? {
        rows.first { $0["name"] == name }
    }
}

/// A row `spl doctor` must print. In `detail` and `fix`, `<age>` stands for an age such as
/// `0s` or `3d` (it depends on how long the test took); everything else is matched exactly.
struct ExpectedRow: CustomStringConvertible {
    let name: String
    let status: String
    let detail: String
    let fix: String?

    init(_ name: String, _ status: String, _ detail: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    var description: String { "\(name) \(status) \(detail)" + (fix.map { " fix: \($0)" } ?? "") }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        let parts = pattern.components(separatedBy: "<age>")
        let regex = parts.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "[0-9]+[smhd]")
        return text.range(of: "^" + regex + "$", options: .regularExpression) != nil
    }

    func matches(_ row: [String: String]) -> Bool {
        guard row["name"] == name, row["status"] == status, let detail = row["detail"],
            Self.matches(detail, self.detail)
        else { return false }
        guard let fix else { return row["fix"] == nil }
        return row["fix"].map { Self.matches($0, fix) } ?? false
    }
}

extension SPLProcess {
    /// `spl doctor --json` (or other arguments), parsed when the output is a doctor report.
    func doctor(_ arguments: [String] = ["--json"], extraEnvironment: [String: String] = [:]) async throws -> DoctorRun {
        let result = try await run(["doctor"] + arguments, timeout: 60, extraEnvironment: extraEnvironment)
        guard arguments.contains("--json") || arguments.contains("json") else { return DoctorRun(result: result, rows: []) }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let checks = try #require(object?["checks"] as? [[String: Any]], "not a doctor report: \(result.stdout)\(result.stderr)")
        return DoctorRun(result: result, rows: checks.map { $0.compactMapValues { $0 as? String } })
    }

    /// `<backup root>/instance-<tail>` of this home's identity.
    func instanceFolder() async throws -> String {
        let identity = try await run(["identity", "show", "-o", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(identity.stdout.utf8)) as? [String: Any]
        let instance = try #require(object?["instance_did"] as? String, "\(identity.stdout)\(identity.stderr)")
        return backupRoot + "/instance-" + (instance.split(separator: ":").last.map(String.init) ?? "")
    }

    /// The default backup root of SPEC 1 under the scratch `HOME`.
    var backupRoot: String { userHome.path + "/.local/share/syncropel/backups" }
}

/// Checks a doctor run against the rows it must print, row by row and in order.
func expectRows(
    _ run: DoctorRun, _ expected: [ExpectedRow], exitStatus: Int32, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(run.status == exitStatus, "exit \(run.status); stderr: \(run.result.stderr)", sourceLocation: sourceLocation)
    #expect(run.result.stderr.isEmpty, "\(run.result.stderr)", sourceLocation: sourceLocation)
    #expect(run.rows.map { $0["name"] ?? "" } == expected.map(\.name), sourceLocation: sourceLocation)
    for (row, expectation) in zip(run.rows, expected) {
        #expect(expectation.matches(row), "printed \(row), expected \(expectation)", sourceLocation: sourceLocation)
    }
}

/// Checks the text form: the aligned table of the rows, a `fix <name>: <command>` line per
/// row with a fix, and the summary line.
func expectText(
    _ result: SPLProcess.Result, _ expected: [ExpectedRow], exitStatus: Int32,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.status == exitStatus, "exit \(result.status); stderr: \(result.stderr)", sourceLocation: sourceLocation)
    let width = ([5] + expected.map(\.name.count)).max()!
    let pad = { (text: String, count: Int) in text.padding(toLength: count, withPad: " ", startingAt: 0) }
    var patterns = [pad("CHECK", width) + "  STATUS  DETAIL"]
    patterns += expected.map { pad($0.name, width) + "  " + pad($0.status, 6) + "  " + $0.detail }
    let fixes = expected.compactMap { row in row.fix.map { "fix \(row.name): \($0)" } }
    if !fixes.isEmpty { patterns += [""] + fixes }
    let count = { (status: String) in expected.filter { $0.status == status }.count }
    patterns += ["", "\(expected.count) checks: \(count("pass")) pass, \(count("warn")) warn, \(count("fail")) fail"]
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.count == patterns.count + 1 && lines.last == "", "\(result.stdout)", sourceLocation: sourceLocation)
    for (line, pattern) in zip(lines, patterns) {
        #expect(ExpectedRow.matches(line, pattern), "printed \(line.debugDescription), expected \(pattern.debugDescription)", sourceLocation: sourceLocation)
    }
}

/// A count as doctor prints it: `1 record`, `0 records`, `12 records`.
func counted(_ count: CustomStringConvertible, _ noun: String) -> String {
    count.description == "1" ? "1 \(noun)" : "\(count) \(noun)s"
}
