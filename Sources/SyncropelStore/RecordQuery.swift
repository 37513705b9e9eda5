import SyncropelKit

/// One structured read of the log: which records (`filter`), in which order, which page.
///
/// Records come in `sort` order; ties, and an empty `sort`, fall back to the
/// order of arrival (`sequence`), so a page boundary is always well defined.
///
/// ```swift
/// let query = RecordQuery(filter: try RecordFilter(json: ["act": "KNOW"]), sort: [RecordSort(.clock, descending: true)], limit: 20)
/// let result = try await store.query(query)
/// ```
public struct RecordQuery: Sendable, Equatable {
    public var filter: RecordFilter
    public var sort: [RecordSort]
    /// Kept to 1 ... 100 000 by the store.
    public var limit: Int
    public var offset: Int
    /// Also count every match (`matchedTotal`); that reads all of them.
    public var countingMatches: Bool
    /// Also report how the store answers (`plan`).
    public var explaining: Bool

    public init(
        filter: RecordFilter = .all([]), sort: [RecordSort] = [], limit: Int = 100, offset: Int = 0,
        countingMatches: Bool = false, explaining: Bool = false
    ) {
        self.filter = filter
        self.sort = sort
        self.limit = limit
        self.offset = offset
        self.countingMatches = countingMatches
        self.explaining = explaining
    }
}

/// One sort key of a query.
public struct RecordSort: Sendable, Equatable {
    public let path: RecordFieldPath
    public let descending: Bool

    public init(_ path: RecordFieldPath, descending: Bool = false) {
        self.path = path
        self.descending = descending
    }

    /// The most keys one sort may have.
    public static let maxKeys = 8

    /// Reads the documented sort form: an object of field paths, each `1`
    /// (ascending) or `-1` (descending), in priority order: `{"clock": -1}`.
    public static func list(json: JSONValue, field: String = "sort") throws(RecordQueryError) -> [RecordSort] {
        guard case .object(let object) = json else {
            throw RecordQueryError(field: field, "sort is an object of field paths, each 1 (ascending) or -1 (descending), such as {\"clock\": -1}")
        }
        guard object.count <= maxKeys else {
            throw RecordQueryError(field: field, "sort takes at most \(maxKeys) fields")
        }
        var keys: [RecordSort] = []
        for member in object.members {
            let place = "\(field).\(member.key)"
            guard let path = RecordFieldPath(member.key) else {
                throw RecordQueryError(field: place, RecordFieldPath.unknownPathMessage(member.key))
            }
            switch member.value.int64Value {
            case 1: keys.append(RecordSort(path))
            case -1: keys.append(RecordSort(path, descending: true))
            default: throw RecordQueryError(field: place, "a sort direction is 1 (ascending) or -1 (descending)")
            }
        }
        return keys
    }
}

/// What a query found.
public struct RecordQueryResult: Sendable, Equatable {
    public let records: [StoredRecord]
    /// More records match beyond this page.
    public let hasMore: Bool
    /// Every match, ignoring `limit` and `offset`; nil unless the query counted.
    public let matchedTotal: Int?
    /// Nil unless the query asked to be explained.
    public let plan: RecordQueryPlan?

    public init(records: [StoredRecord], hasMore: Bool, matchedTotal: Int?, plan: RecordQueryPlan?) {
        self.records = records
        self.hasMore = hasMore
        self.matchedTotal = matchedTotal
        self.plan = plan
    }
}

/// How the store answered a query: which fields it read from indexed envelope
/// columns and which from the stored JSON (a scan of the records the columns
/// leave), plus SQLite's own `EXPLAIN QUERY PLAN` lines.
public struct RecordQueryPlan: Sendable, Equatable {
    public let columnFields: [String]
    public let jsonFields: [String]
    public let steps: [String]

    public init(columnFields: [String], jsonFields: [String], steps: [String]) {
        self.columnFields = columnFields
        self.jsonFields = jsonFields
        self.steps = steps
    }
}
