/// What `RecordFilterSQL` (SQLite) and `RecordFilterPostgres` share: the walk of a
/// `RecordFilter` tree into one `WHERE` clause, and the rules that make body comparisons
/// typed (a comparison first checks the stored JSON type; `$in` keeps one list per type, so
/// `"1"` never matches `1`). Each dialect says how to write a field, a type check and a
/// bound value; the walk writes them in text order, so positional `?` placeholders line up.
protocol RecordFilterRendering {
    var sql: String { get set }
    /// A condition that always holds / never holds.
    static var alwaysTrue: String { get }
    static var alwaysFalse: String { get }

    /// A column, or the value of a body path as the dialect reads JSON.
    mutating func expression(_ path: RecordFieldPath) -> String
    /// A body path's value as it compares with `value` (numbers as numbers).
    mutating func expression(_ path: RecordFieldPath, comparedWith value: FilterValue) -> String
    /// True when the stored JSON at a body path has the type of `value` (for true, false and
    /// null: is that very value), never NULL.
    mutating func typeCheck(_ path: RecordFieldPath, _ value: FilterValue) -> String
    /// A placeholder with `value` bound to it; `comparedWithJSON` when the other side is a body path.
    mutating func placeholder(_ value: FilterValue, comparedWithJSON: Bool) -> String
    mutating func appendLike(_ path: RecordFieldPath, pattern: String, caseSensitive: Bool)
    mutating func appendExists(_ path: RecordFieldPath)
}

extension RecordFilterRendering {
    /// `ORDER BY` text from each key's parts, with the order of arrival (`sequence`) as the
    /// last tie-break unless a key names it, so a page boundary is always well defined.
    static func order(_ parts: [String], keys: [RecordSort]) -> String {
        var parts = parts
        if !keys.contains(where: { $0.path == .sequence }) {
            parts.append("sequence \(keys.first?.descending == true ? "DESC" : "ASC")")
        }
        return parts.joined(separator: ", ")
    }

    /// `<type check> AND ` before a `LIKE` on a body path (text only), nothing for a column.
    mutating func textGuard(_ path: RecordFieldPath) -> String {
        path.isBodyPath ? typeCheck(path, .string("")) + " AND " : ""
    }

    mutating func append(_ filter: RecordFilter) {
        switch filter {
        case .all(let children):
            join(children, with: "AND", empty: Self.alwaysTrue)
        case .any(let children):
            join(children, with: "OR", empty: Self.alwaysFalse)
        case .not(let child):
            sql += "NOT ("
            append(child)
            sql += ")"
        case .compare(let path, let comparison, let value):
            compare(path, comparison.rawValue, value)
        case .oneOf(let path, let values):
            oneOf(path, values)
        case .like(let path, let pattern, let caseSensitive):
            appendLike(path, pattern: pattern, caseSensitive: caseSensitive)
        case .exists(let path):
            appendExists(path)
        }
    }

    private mutating func join(_ children: [RecordFilter], with connective: String, empty: String) {
        guard !children.isEmpty else {
            sql += empty
            return
        }
        sql += "("
        for (index, child) in children.enumerated() {
            if index > 0 { sql += " \(connective) " }
            append(child)
        }
        sql += ")"
    }

    private mutating func compare(_ path: RecordFieldPath, _ operation: String, _ value: FilterValue) {
        guard path.isBodyPath else {
            let field = expression(path)
            sql += "\(field) \(operation) \(placeholder(value, comparedWithJSON: false))"
            return
        }
        let typeMatches = typeCheck(path, value)
        switch value {
        case .bool, .null:
            sql += typeMatches
        default:
            let field = expression(path, comparedWith: value)
            sql += "(\(typeMatches) AND \(field) \(operation) \(placeholder(value, comparedWithJSON: true)))"
        }
    }

    private mutating func oneOf(_ path: RecordFieldPath, _ values: [FilterValue]) {
        guard !values.isEmpty else {
            sql += Self.alwaysFalse
            return
        }
        guard path.isBodyPath else {
            let field = expression(path)
            sql += "\(field) IN (\(values.map { placeholder($0, comparedWithJSON: false) }.joined(separator: ", ")))"
            return
        }
        // One IN list per stored type, so "1" never matches 1; true, false and null
        // are type checks of their own.
        var strings: [FilterValue] = []
        var numbers: [FilterValue] = []
        var literals: [FilterValue] = []
        for value in values {
            switch value {
            case .string: strings.append(value)
            case .integer, .double: numbers.append(value)
            case .bool, .null: if !literals.contains(value) { literals.append(value) }
            }
        }
        var alternatives: [String] = []
        for list in [strings, numbers] where !list.isEmpty {
            let typeMatches = typeCheck(path, list[0])
            let field = expression(path, comparedWith: list[0])
            let placeholders = list.map { placeholder($0, comparedWithJSON: true) }.joined(separator: ", ")
            alternatives.append("(\(typeMatches) AND \(field) IN (\(placeholders)))")
        }
        for value in literals {
            alternatives.append(typeCheck(path, value))
        }
        sql += "(" + alternatives.joined(separator: " OR ") + ")"
    }
}
