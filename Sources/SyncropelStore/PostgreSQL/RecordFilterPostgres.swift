import PostgresNIO

/// A `RecordFilter` or sort as PostgreSQL over the `records` table: the same selection as
/// `RecordFilterSQL` makes in SQLite. The SQL text holds only fixed column names, operators
/// and `$n` placeholders; client values (strings, numbers, `LIKE` patterns, body paths) are
/// bound.
///
/// Body paths read `canonical::jsonb` with `#>`; every comparison first checks the stored JSON
/// type (`jsonb_typeof`), so each condition is true or false (never NULL) and `NOT` means what
/// it says. Text compares by code point (`COLLATE "C"`, SQLite's BINARY), `$ilike` folds ASCII
/// letters only, as SQLite's `LIKE` does, and numbers compare as `numeric`, so integers beyond
/// a double's precision stay exact.
struct RecordFilterPostgres: RecordFilterRendering {
    var sql = ""
    private(set) var binds = PostgresBindings()

    private static let json = "canonical::jsonb"
    private static let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    private static let lower = "abcdefghijklmnopqrstuvwxyz"

    init(_ filter: RecordFilter) {
        append(filter)
    }

    /// Placeholders continue after `binds` (the filter's, when the sort follows it in one query).
    init(sort keys: [RecordSort], after binds: PostgresBindings) {
        self.binds = binds
        var parts: [String] = []
        for key in keys {
            let direction = key.descending ? "DESC" : "ASC"
            guard key.path.isBodyPath else {
                parts.append("\(expression(key.path)) \(direction)")
                continue
            }
            // SQLite's order of json_extract values: NULL (absent or JSON null), then numbers
            // (true and false as 1 and 0), then text; each part of the key in the same direction.
            let value = "\(Self.json) #> \(bind(key.path))"
            parts.append("CASE coalesce(jsonb_typeof(\(value)), 'null') WHEN 'null' THEN 0 WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 ELSE 2 END \(direction)")
            let valueAgain = "\(Self.json) #> \(bind(key.path))"
            parts.append("CASE jsonb_typeof(\(valueAgain)) WHEN 'number' THEN (\(valueAgain) #>> '{}')::numeric WHEN 'boolean' THEN (\(valueAgain) #>> '{}')::boolean::int::numeric END \(direction)")
            parts.append("(\(Self.json) #>> \(bind(key.path))) COLLATE \"C\" \(direction)")
        }
        sql = Self.order(parts, keys: keys)
    }

    static let alwaysTrue = "true"
    static let alwaysFalse = "false"

    mutating func appendLike(_ path: RecordFieldPath, pattern: String, caseSensitive: Bool) {
        let guardText = textGuard(path)
        let field = expression(path)
        if caseSensitive {
            sql += "(\(guardText)\(field) LIKE \(bind(pattern)) ESCAPE '\\')"
        } else {
            let folded = "translate(\(field), '\(Self.upper)', '\(Self.lower)')"
            sql += "(\(guardText)\(folded) LIKE translate(\(bind(pattern)), '\(Self.upper)', '\(Self.lower)') ESCAPE '\\')"
        }
    }

    mutating func appendExists(_ path: RecordFieldPath) {
        sql += path.isBodyPath ? "(\(Self.json) #> \(bind(path))) IS NOT NULL" : "true"
    }

    /// A column, or the text of a JSON field.
    mutating func expression(_ path: RecordFieldPath) -> String {
        switch path {
        case .id: "id"
        case .thread: "thread"
        case .actor: "actor"
        case .act: "act"
        case .clock: "clock"
        case .createdAt: "created_at"
        case .sequence: "sequence"
        case .dataType: "(\(Self.json) ->> 'data_type') COLLATE \"C\""
        case .namespace: "coalesce(\(Self.json) #>> '{body,namespace}', 'default') COLLATE \"C\""
        case .body: "(\(Self.json) #>> \(bind(path))) COLLATE \"C\""
        }
    }

    /// A body field as the type `value` compares with: text, or `numeric` for numbers.
    mutating func expression(_ path: RecordFieldPath, comparedWith value: FilterValue) -> String {
        switch value {
        case .integer, .double: "(\(Self.json) #>> \(bind(path)))::numeric"
        default: expression(path)
        }
    }

    /// True when the stored JSON at a body path has the type of `value` (never NULL); for
    /// true, false and null, when it is that very value.
    mutating func typeCheck(_ path: RecordFieldPath, _ value: FilterValue) -> String {
        let field = "\(Self.json) #> \(bind(path))"
        switch value {
        case .string: return "coalesce(jsonb_typeof(\(field)) = 'string', false)"
        case .integer, .double: return "coalesce(jsonb_typeof(\(field)) = 'number', false)"
        case .null: return "coalesce(jsonb_typeof(\(field)) = 'null', false)"
        case .bool(let flag): return "coalesce((\(field)) = '\(flag)'::jsonb, false)"
        }
    }

    /// `$n` for `value`, appended to the bound values; a number compared with a JSON field
    /// is cast to `numeric`, whichever of int8 and float8 it was bound as.
    mutating func placeholder(_ value: FilterValue, comparedWithJSON asJSON: Bool) -> String {
        var isNumber = false
        switch value {
        case .string(let text): binds.append(text)
        case .integer(let number): binds.append(number); isNumber = true
        case .double(let number): binds.append(number); isNumber = true
        case .bool(let flag): binds.append(flag)
        case .null: binds.appendNull()
        }
        return asJSON && isNumber ? "$\(binds.count)::numeric" : "$\(binds.count)"
    }

    private mutating func bind(_ text: String) -> String {
        binds.append(text)
        return "$\(binds.count)"
    }

    /// `$n` of a body path, bound as a `text[]` of its segments (`{body,a,b}`).
    private mutating func bind(_ path: RecordFieldPath) -> String {
        guard case .body(let segments) = path else { return "'{}'::text[]" }
        binds.append(["body"] + segments)
        return "$\(binds.count)::text[]"
    }
}
