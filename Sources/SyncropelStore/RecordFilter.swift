/// A structured filter over records, as `POST /v1/records/query` sends it: a typed
/// tree that `RecordFilter(json:)` checks and `RecordFilterSQL` turns into a
/// parameterised `WHERE` clause.
///
/// Comparisons on body paths use the stored JSON type: `{"body.n": 1}` matches a
/// body whose `n` is the number 1, never the string `"1"`, and a body without `n`
/// matches no comparison (so `$ne` and `$nin` do match it, through `.not`).
///
/// ```swift
/// let filter = RecordFilter.all([.compare(.act, .equal, .string("KNOW")), .exists(.body(["fulfills"]))])
/// ```
public indirect enum RecordFilter: Sendable, Equatable {
    /// Every child matches; an empty list matches every record.
    case all([RecordFilter])
    /// At least one child matches; an empty list matches nothing.
    case any([RecordFilter])
    case not(RecordFilter)
    case compare(RecordFieldPath, Comparison, FilterValue)
    /// The field equals one of the values (`$in`); `$nin` is its negation.
    case oneOf(RecordFieldPath, [FilterValue])
    /// An SQL `LIKE` pattern (`%` any run, `_` one character, `\` escapes the next
    /// character), matched case-sensitively (`$like`) or with ASCII case folded (`$ilike`).
    case like(RecordFieldPath, pattern: String, caseSensitive: Bool)
    /// The field is present (`$exists: true`); envelope fields always are.
    case exists(RecordFieldPath)

    public enum Comparison: String, Sendable, Equatable {
        case equal = "="
        case greater = ">"
        case greaterOrEqual = ">="
        case less = "<"
        case lessOrEqual = "<="
    }

    /// The record fields this filter reads, in first-use order (for `explain`).
    public var paths: [RecordFieldPath] {
        var seen: [RecordFieldPath] = []
        func visit(_ filter: RecordFilter) {
            switch filter {
            case .all(let children), .any(let children): children.forEach(visit)
            case .not(let child): visit(child)
            case .compare(let path, _, _), .oneOf(let path, _), .like(let path, _, _), .exists(let path):
                if !seen.contains(path) { seen.append(path) }
            }
        }
        visit(self)
        return seen
    }
}

/// A scalar a filter compares with. Objects and arrays are not comparable.
public enum FilterValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case null
}

/// A field of a record that queries filter and sort on.
///
/// Envelope fields are columns of the `records` table (`id thread actor act clock
/// created_at sequence`) or read from the canonical bytes (`data_type`, and
/// `namespace`: `body.namespace`, or `default` for a record that names none, as
/// the public documentation defines it). `body.<a>.<b>` reaches into the body;
/// each segment is `[A-Za-z0-9_-]+`.
public enum RecordFieldPath: Sendable, Hashable, CustomStringConvertible {
    case id, thread, actor, act, clock, dataType, namespace, createdAt, sequence
    case body([String])

    /// The names of the envelope fields, as clients write them.
    public static let envelopeNames: [String] = ["id", "thread", "actor", "act", "clock", "data_type", "namespace", "created_at", "sequence"]

    /// The refusal of a path that is none of these, listing what is.
    static func unknownPathMessage(_ text: String) -> String {
        "unknown field path \"\(text)\"; fields are \(envelopeNames.joined(separator: " ")) and body.<path>"
    }

    public init?(_ text: String) {
        switch text {
        case "id": self = .id
        case "thread": self = .thread
        case "actor": self = .actor
        case "act": self = .act
        case "clock": self = .clock
        case "data_type": self = .dataType
        case "namespace": self = .namespace
        case "created_at": self = .createdAt
        case "sequence": self = .sequence
        default:
            let segments = text.split(separator: ".", omittingEmptySubsequences: false)
            guard segments.count >= 2, segments[0] == "body",
                segments.dropFirst().allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isSegmentByte) })
            else { return nil }
            self = .body(segments.dropFirst().map(String.init))
        }
    }

    public var description: String {
        switch self {
        case .id: "id"
        case .thread: "thread"
        case .actor: "actor"
        case .act: "act"
        case .clock: "clock"
        case .dataType: "data_type"
        case .namespace: "namespace"
        case .createdAt: "created_at"
        case .sequence: "sequence"
        case .body(let segments): "body." + segments.joined(separator: ".")
        }
    }

    /// What a comparison on this field may compare with.
    enum Kind {
        case text
        case integer
        /// Any JSON scalar; the stored type decides what matches.
        case json
    }

    var kind: Kind {
        switch self {
        case .id, .thread, .actor, .act, .dataType, .namespace: .text
        case .clock, .createdAt, .sequence: .integer
        case .body: .json
        }
    }

    var isBodyPath: Bool {
        if case .body = self { true } else { false }
    }

    /// Whether the field is a column of `records` rather than read out of the canonical JSON.
    public var isColumn: Bool {
        switch self {
        case .dataType, .namespace, .body: false
        default: true
        }
    }

    private static func isSegmentByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
