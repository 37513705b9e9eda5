import SyncropelKit

/// A command line that cannot be acted on as typed. `SPL.main` prints it as `Error: <message>`
/// with the command's usage and exits 64, as ArgumentParser does for the errors it finds itself,
/// so scripts see one exit status for every usage error whichever check caught it.
enum UsageError: Error, CustomStringConvertible {
    /// The first word is no command of `spl`.
    case unknownCommand(String)
    /// A value that must be a record id is not 64 lowercase hex characters.
    case notARecordID(String)
    /// `--data-type` names no data type.
    case notADataType(String)
    /// `--body` does not parse as JSON; `reason` is the parser's message.
    case bodyNotJSON(reason: String)
    /// `--body` parses, but not to an object.
    case bodyNotAnObject
    /// `spl do|know|learn` without `--thread` in a home where no `spl intend` opened a thread.
    case noThread(act: Act)
    /// `--act` names no act.
    case notAnAct(String)
    /// An option that names something was given an empty or blank value.
    case emptyValue(option: String)
    /// `spl backup --auto restore-keys` (the old spelling) without its FILE.
    case missingSealedKeysFile
    /// `spl backup restore -o json` without `--yes`: a JSON run has no one to ask.
    case jsonNeedsYes
    /// `--expression` does not parse; `reason` says where.
    case expressionNotParsed(String, reason: String)

    var description: String {
        switch self {
        case .unknownCommand(let name):
            return "unknown command '\(name)'"
        case .notARecordID(let id):
            return "\(id) is not a record id: expected 64 lowercase hex characters"
        case .notADataType(let name):
            return "--data-type \(name) is not a data type; use one of \(DataType.allCases.map(\.rawValue).joined(separator: " "))"
        case .bodyNotJSON(let reason):
            return "--body is not JSON: \(reason)"
        case .bodyNotAnObject:
            return "--body must be a JSON object, like '{\"kind\":\"x.y.z\"}'"
        case .noThread(let act):
            return "spl \(act.rawValue.lowercased()) needs --thread: this home has no current thread yet; open one with 'spl intend'"
        case .notAnAct(let name):
            return "--act \(name) is not an act; use one of \(Act.allCases.map(\.rawValue).joined(separator: " "))"
        case .emptyValue(let option):
            return "\(option) must not be empty"
        case .missingSealedKeysFile:
            return "spl backup restore-keys needs the sealed keys FILE (keys.<stamp>.sealed)"
        case .jsonNeedsYes:
            return "-o json does not ask for confirmation; pass --yes as well"
        case let .expressionNotParsed(expression, reason):
            return "--expression '\(expression)' does not parse: \(reason)"
        }
    }
}
