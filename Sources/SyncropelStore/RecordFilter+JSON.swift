import SyncropelKit

extension RecordFilter {
    /// Filters larger than this many conditions are refused, which keeps the SQL
    /// well inside SQLite's expression-depth and parameter limits.
    public static let maxConditions = 256
    /// The most values all `$in`/`$nin` lists of one filter may hold together.
    public static let maxListValues = 1000
    /// The longest `$like`/`$ilike` pattern, in UTF-8 bytes; its GLOB form stays
    /// well below SQLite's own pattern limit (50 000 bytes).
    public static let maxPatternBytes = 4096

    /// Reads a filter document: top-level keys are AND-combined; a key is a field
    /// path (its value a scalar for equality, or an operator document) or one of
    /// `$and $or $not`. Every refusal names its place below `field`.
    ///
    /// ```swift
    /// let filter = try RecordFilter(json: ["act": "KNOW", "clock": ["$gte": 10]])
    /// ```
    public init(json: JSONValue, field: String = "filter") throws(RecordQueryError) {
        var reader = FilterReader()
        self = try reader.document(json, at: field)
    }
}

/// Walks a filter document, counting conditions and list values against the limits.
private struct FilterReader {
    var conditions = 0
    var listValues = 0

    static let fieldOperators: Set<String> = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$like", "$ilike", "$exists"]

    mutating func document(_ json: JSONValue, at location: String) throws(RecordQueryError) -> RecordFilter {
        guard case .object(let object) = json else {
            throw RecordQueryError(field: location, "a filter must be a JSON object")
        }
        var parts: [RecordFilter] = []
        for member in object.members {
            let place = "\(location).\(member.key)"
            switch member.key {
            case "$and", "$or":
                guard case .array(let items) = member.value, !items.isEmpty else {
                    throw RecordQueryError(field: place, "\(member.key) takes a non-empty array of filters")
                }
                var children: [RecordFilter] = []
                for (index, item) in items.enumerated() {
                    children.append(try document(item, at: "\(place)[\(index)]"))
                }
                parts.append(member.key == "$and" ? .all(children) : .any(children))
            case "$not":
                parts.append(.not(try document(member.value, at: place)))
            case let key where key.hasPrefix("$"):
                throw RecordQueryError(field: place, "unknown operator \(key); combine filters with $and, $or or $not")
            default:
                guard let path = RecordFieldPath(member.key) else {
                    throw RecordQueryError(field: place, RecordFieldPath.unknownPathMessage(member.key))
                }
                parts.append(try condition(on: path, member.value, at: place))
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    /// A scalar (equality) or an operator document such as `{"$gte": 1, "$lt": 9}`.
    mutating func condition(on path: RecordFieldPath, _ json: JSONValue, at place: String) throws(RecordQueryError) -> RecordFilter {
        guard case .object(let operators) = json else {
            return try count(.compare(path, .equal, operand(json, for: path, at: place)), at: place)
        }
        guard !operators.isEmpty else {
            throw RecordQueryError(field: place, "an operator document needs at least one operator such as $eq")
        }
        var parts: [RecordFilter] = []
        for member in operators.members {
            let at = "\(place).\(member.key)"
            guard Self.fieldOperators.contains(member.key) else {
                throw RecordQueryError(
                    field: at,
                    member.key.hasPrefix("$")
                        ? "unknown operator \(member.key); use one of \(Self.fieldOperators.sorted().joined(separator: " "))"
                        : "expected an operator such as $eq, not \"\(member.key)\"; objects cannot be compared")
            }
            parts.append(try count(fieldOperator(member.key, on: path, member.value, at: at), at: at))
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    mutating func fieldOperator(_ name: String, on path: RecordFieldPath, _ json: JSONValue, at place: String) throws(RecordQueryError) -> RecordFilter {
        switch name {
        case "$eq": return .compare(path, .equal, try operand(json, for: path, at: place))
        case "$ne": return .not(.compare(path, .equal, try operand(json, for: path, at: place)))
        case "$gt": return .compare(path, .greater, try ordered(json, for: path, at: place))
        case "$gte": return .compare(path, .greaterOrEqual, try ordered(json, for: path, at: place))
        case "$lt": return .compare(path, .less, try ordered(json, for: path, at: place))
        case "$lte": return .compare(path, .lessOrEqual, try ordered(json, for: path, at: place))
        case "$in": return .oneOf(path, try list(json, for: path, at: place))
        case "$nin": return .not(.oneOf(path, try list(json, for: path, at: place)))
        case "$like", "$ilike":
            guard path.kind != .integer else {
                throw RecordQueryError(field: place, "\(name) applies to text; \(path) is an integer")
            }
            guard case .string(let pattern) = json else {
                throw RecordQueryError(field: place, "\(name) takes a string pattern")
            }
            guard pattern.utf8.count <= RecordFilter.maxPatternBytes else {
                throw RecordQueryError(field: place, "\(name) patterns are at most \(RecordFilter.maxPatternBytes) bytes")
            }
            guard Self.hasCompleteEscapes(pattern) else {
                throw RecordQueryError(field: place, "\(name) pattern ends with an escaping backslash")
            }
            return .like(path, pattern: pattern, caseSensitive: name == "$like")
        default:
            guard case .bool(let present) = json else {
                throw RecordQueryError(field: place, "$exists takes true or false")
            }
            return present ? .exists(path) : .not(.exists(path))
        }
    }

    /// A value `$eq`/`$ne`/`$in` may compare `path` with.
    func operand(_ json: JSONValue, for path: RecordFieldPath, at place: String) throws(RecordQueryError) -> FilterValue {
        switch (path.kind, json) {
        case (.text, .string(let text)), (.json, .string(let text)):
            return .string(text)
        case (.integer, .integer(let integer)), (.json, .integer(let integer)):
            guard let value = integer.int64Value else {
                throw RecordQueryError(field: place, "integers beyond 64 bits cannot be compared")
            }
            return .integer(value)
        case (.json, .double(let value)):
            return .double(value)
        case (.json, .bool(let value)):
            return .bool(value)
        case (.json, .null):
            return .null
        case (.text, _):
            throw RecordQueryError(field: place, "\(path) compares with a string")
        case (.integer, _):
            throw RecordQueryError(field: place, "\(path) compares with an integer")
        case (.json, _):
            throw RecordQueryError(field: place, "compare with a string, number, true, false or null; objects and arrays cannot be compared")
        }
    }

    /// A value `$gt $gte $lt $lte` may order by: a string or a number.
    func ordered(_ json: JSONValue, for path: RecordFieldPath, at place: String) throws(RecordQueryError) -> FilterValue {
        let value = try operand(json, for: path, at: place)
        switch value {
        case .bool, .null:
            throw RecordQueryError(field: place, "order comparisons take a string or a number")
        default:
            return value
        }
    }

    mutating func list(_ json: JSONValue, for path: RecordFieldPath, at place: String) throws(RecordQueryError) -> [FilterValue] {
        guard case .array(let items) = json else {
            throw RecordQueryError(field: place, "takes an array of values")
        }
        listValues += items.count
        guard listValues <= RecordFilter.maxListValues else {
            throw RecordQueryError(field: place, "a filter may list at most \(RecordFilter.maxListValues) values in $in and $nin together")
        }
        var values: [FilterValue] = []
        for (index, item) in items.enumerated() {
            values.append(try operand(item, for: path, at: "\(place)[\(index)]"))
        }
        return values
    }

    mutating func count(_ filter: RecordFilter, at place: String) throws(RecordQueryError) -> RecordFilter {
        conditions += 1
        guard conditions <= RecordFilter.maxConditions else {
            throw RecordQueryError(field: place, "a filter may hold at most \(RecordFilter.maxConditions) conditions")
        }
        return filter
    }

    /// False when the pattern's last backslash has nothing left to escape.
    static func hasCompleteEscapes(_ pattern: String) -> Bool {
        var escaping = false
        for byte in pattern.utf8 {
            escaping = !escaping && byte == UInt8(ascii: "\\")
        }
        return !escaping
    }
}
