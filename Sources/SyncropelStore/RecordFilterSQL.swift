import GRDB

/// A `RecordFilter` or sort as SQL over the `records` table: SQL text that holds
/// only fixed column names, operators and `?` placeholders, and the values bound to
/// them. Client values (strings, numbers, `LIKE` patterns, body paths) are never
/// part of the SQL text.
///
/// Body paths read the canonical bytes with SQLite's JSON functions; every
/// comparison on them first checks the stored JSON type, so each condition is
/// true or false (never NULL) and `NOT` means what it says.
struct RecordFilterSQL: RecordFilterRendering {
    var sql = ""
    private(set) var arguments: StatementArguments = []

    init(_ filter: RecordFilter) {
        append(filter)
    }

    init(sort keys: [RecordSort]) {
        var parts: [String] = []
        for key in keys {
            parts.append("\(expression(key.path)) \(key.descending ? "DESC" : "ASC")")
        }
        sql = Self.order(parts, keys: keys)
    }

    static let alwaysTrue = "1"
    static let alwaysFalse = "0"

    mutating func appendLike(_ path: RecordFieldPath, pattern: String, caseSensitive: Bool) {
        let guardText = textGuard(path)
        let field = expression(path)
        if caseSensitive {
            sql += "(\(guardText)\(field) GLOB ?)"
            arguments += [Self.globPattern(fromLike: pattern)]
        } else {
            sql += "(\(guardText)\(field) LIKE ? ESCAPE '\\')"
            arguments += [pattern]
        }
    }

    mutating func appendExists(_ path: RecordFieldPath) {
        if path.isBodyPath {
            sql += "json_type(canonical, ?) IS NOT NULL"
            arguments += [Self.jsonPath(path)]
        } else {
            sql += "1"
        }
    }

    /// `json_extract` yields integers and reals as numbers: nothing to convert.
    mutating func expression(_ path: RecordFieldPath, comparedWith value: FilterValue) -> String {
        expression(path)
    }

    mutating func placeholder(_ value: FilterValue, comparedWithJSON: Bool) -> String {
        arguments += [Self.databaseValue(value)]
        return "?"
    }

    /// `expression` for a column, or `json_extract` of a body path.
    mutating func expression(_ path: RecordFieldPath) -> String {
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

    mutating func typeCheck(_ path: RecordFieldPath, _ value: FilterValue) -> String {
        arguments += [Self.jsonPath(path)]
        let list = Self.storedTypes(of: value).map { "'\($0)'" }.joined(separator: ", ")
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
