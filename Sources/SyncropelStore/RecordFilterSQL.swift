import GRDB

/// A `RecordFilter` or sort as SQL over the `records` table: SQL text that holds
/// only fixed column names, operators and `?` placeholders, and the values bound to
/// them. Client values (strings, numbers, `LIKE` patterns, body paths) are never
/// part of the SQL text.
///
/// Body paths read the canonical bytes with SQLite's JSON functions; every
/// comparison on them first checks the stored JSON type, so each condition is
/// true or false (never NULL) and `NOT` means what it says.
struct RecordFilterSQL {
    private(set) var sql = ""
    private(set) var arguments: StatementArguments = []

    init(_ filter: RecordFilter) {
        append(filter)
    }

    init(sort keys: [RecordSort]) {
        var parts: [String] = []
        for key in keys {
            parts.append("\(expression(key.path)) \(key.descending ? "DESC" : "ASC")")
        }
        if !keys.contains(where: { $0.path == .sequence }) {
            parts.append("sequence \(keys.first?.descending == true ? "DESC" : "ASC")")
        }
        sql = parts.joined(separator: ", ")
    }

    private mutating func append(_ filter: RecordFilter) {
        switch filter {
        case .all(let children):
            join(children, with: "AND", empty: "1")
        case .any(let children):
            join(children, with: "OR", empty: "0")
        case .not(let child):
            sql += "NOT ("
            append(child)
            sql += ")"
        case .compare(let path, let comparison, let value):
            compare(path, comparison.rawValue, value)
        case .oneOf(let path, let values):
            oneOf(path, values)
        case .like(let path, let pattern, let caseSensitive):
            let guardText = path.isBodyPath ? typeCheck(path, ["text"]) + " AND " : ""
            let field = expression(path)
            if caseSensitive {
                sql += "(\(guardText)\(field) GLOB ?)"
                arguments += [Self.globPattern(fromLike: pattern)]
            } else {
                sql += "(\(guardText)\(field) LIKE ? ESCAPE '\\')"
                arguments += [pattern]
            }
        case .exists(let path):
            if path.isBodyPath {
                sql += "json_type(canonical, ?) IS NOT NULL"
                arguments += [Self.jsonPath(path)]
            } else {
                sql += "1"
            }
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
            sql += "\(field) \(operation) ?"
            arguments += [Self.databaseValue(value)]
            return
        }
        switch value {
        case .bool, .null:
            let typeMatches = typeCheck(path, Self.storedTypes(of: value))
            sql += typeMatches
        default:
            let typeMatches = typeCheck(path, Self.storedTypes(of: value))
            let field = expression(path)
            sql += "(\(typeMatches) AND \(field) \(operation) ?)"
            arguments += [Self.databaseValue(value)]
        }
    }

    private mutating func oneOf(_ path: RecordFieldPath, _ values: [FilterValue]) {
        guard !values.isEmpty else {
            sql += "0"
            return
        }
        guard path.isBodyPath else {
            let field = expression(path)
            sql += "\(field) IN (\(Self.placeholders(values.count)))"
            arguments += StatementArguments(values.map(Self.databaseValue))
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
            let typeMatches = typeCheck(path, Self.storedTypes(of: list[0]))
            let field = expression(path)
            alternatives.append("(\(typeMatches) AND \(field) IN (\(Self.placeholders(list.count))))")
            arguments += StatementArguments(list.map(Self.databaseValue))
        }
        for value in literals {
            alternatives.append(typeCheck(path, Self.storedTypes(of: value)))
        }
        sql += "(" + alternatives.joined(separator: " OR ") + ")"
    }

    /// `expression` for a column, or `json_extract` of a body path.
    private mutating func expression(_ path: RecordFieldPath) -> String {
        switch path {
        case .id: return "id"
        case .thread: return "thread"
        case .actor: return "actor"
        case .act: return "act"
        case .clock: return "clock"
        case .createdAt: return "created_at"
        case .sequence: return "sequence"
        case .dataType: return "json_extract(canonical, '$.data_type')"
        case .namespace: return "coalesce(json_extract(canonical, '$.body.namespace'), 'default')"
        case .body:
            arguments += [Self.jsonPath(path)]
            return "json_extract(canonical, ?)"
        }
    }

    /// True when the stored JSON type at a body path is one of `types` (never NULL).
    private mutating func typeCheck(_ path: RecordFieldPath, _ types: [String]) -> String {
        arguments += [Self.jsonPath(path)]
        let list = types.map { "'\($0)'" }.joined(separator: ", ")
        return "coalesce(json_type(canonical, ?), '') IN (\(list))"
    }

    private static func storedTypes(of value: FilterValue) -> [String] {
        switch value {
        case .string: ["text"]
        case .integer, .double: ["integer", "real"]
        case .bool(let flag): [flag ? "true" : "false"]
        case .null: ["null"]
        }
    }

    /// `$."body"."a"."b"`: segments are `[A-Za-z0-9_-]+`, so quoting them is exact.
    static func jsonPath(_ path: RecordFieldPath) -> String {
        guard case .body(let segments) = path else { return "$" }
        return "$.\"body\"" + segments.map { ".\"\($0)\"" }.joined()
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    private static func databaseValue(_ value: FilterValue) -> DatabaseValue {
        switch value {
        case .string(let text): text.databaseValue
        case .integer(let number): number.databaseValue
        case .double(let number): number.databaseValue
        case .bool(let flag): (flag ? 1 : 0).databaseValue
        case .null: .null
        }
    }

    /// A `LIKE` pattern (`%`, `_`, `\` escapes) as the equivalent case-sensitive `GLOB`
    /// pattern: `%` → `*`, `_` → `?`, and GLOB's own `* ? [` made literal with brackets.
    static func globPattern(fromLike pattern: String) -> String {
        var glob = ""
        var escaping = false
        for character in pattern.unicodeScalars {
            if escaping {
                glob += literalGlob(character)
                escaping = false
                continue
            }
            switch character {
            case "\\": escaping = true
            case "%": glob += "*"
            case "_": glob += "?"
            default: glob += literalGlob(character)
            }
        }
        return glob
    }

    private static func literalGlob(_ character: Unicode.Scalar) -> String {
        switch character {
        case "*", "?", "[": "[\(character)]"
        default: String(character)
        }
    }
}
