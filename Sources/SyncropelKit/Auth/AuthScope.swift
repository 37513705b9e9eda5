/// What a service account may do over TCP; each route names the one it needs (`RouteScopes`).
///
/// `admin` grants every scope; the others grant only themselves, so an account that
/// writes records and reads them lists both.
public enum AuthScope: String, Sendable, Hashable, Codable, CaseIterable {
    case recordsRead = "records:read"
    case recordsWrite = "records:write"
    case configRead = "config:read"
    case configWrite = "config:write"
    case backup
    case admin

    /// `records:read, records:write` in the order of `allCases`, without repeats; a name
    /// outside the list is refused, naming it.
    public static func parseList(_ text: String) throws(AuthRecordError) -> [AuthScope] {
        var scopes: Set<AuthScope> = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = String(name.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
            guard let scope = AuthScope(rawValue: trimmed) else { throw .unknownScope(trimmed) }
            scopes.insert(scope)
        }
        return allCases.filter(scopes.contains)
    }
}
