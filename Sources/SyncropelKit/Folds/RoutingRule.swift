/// A `core.routing_rule.v1` from `th_engine_config`: where records that match go.
///
/// Body fields: `name` and `target` (strings, required), `domain`, `act`,
/// `expression` (optional strings; `act` one of the eight acts, `expression` CEL that parses) and `priority`
/// (an integer, default 0). `spl config list-rules` lists rules by descending
/// priority, then name.
public struct RoutingRule: Sendable, Equatable {
    public static let kind = "core.routing_rule.v1"

    public let name: String
    /// The actor DID that matching records are routed to.
    public let target: String
    public let domain: String?
    public let act: Act?
    public let priority: Int64
    /// A CEL expression a record must satisfy, kept as text.
    public let expression: String?

    public init(
        name: String, target: String, domain: String? = nil, act: Act? = nil, priority: Int64 = 0,
        expression: String? = nil
    ) {
        self.name = name
        self.target = target
        self.domain = domain
        self.act = act
        self.priority = priority
        self.expression = expression
    }

    /// Reads a rule from a LEARN body; the error says which field is wrong.
    public init(body: JSONObject) throws(ConfigIgnoreReason) {
        guard case .string(let name)? = body["name"], !name.isEmpty else {
            throw .invalidRule(kind: Self.kind, "body.name must be a non-empty string")
        }
        guard case .string(let target)? = body["target"], !target.isEmpty else {
            throw .invalidRule(kind: Self.kind, "body.target must be a non-empty string")
        }
        var act: Act?
        if let text = try Self.optionalString(body, "act") {
            guard let known = Act(rawValue: text) else {
                throw .invalidRule(
                    kind: Self.kind, "body.act must be one of \(Act.allCases.map(\.rawValue).joined(separator: " "))")
            }
            act = known
        }
        let priority: Int64
        switch body["priority"] {
        case nil, .null?:
            priority = 0
        case let value?:
            guard let integer = value.int64Value else {
                throw .invalidRule(kind: Self.kind, "body.priority must be a 64-bit integer")
            }
            priority = integer
        }
        let expression = try Self.optionalString(body, "expression")
        if let expression {
            do {
                try CELSyntax.check(expression)
            } catch {
                throw .invalidRule(kind: Self.kind, "body.expression does not parse: \(error)")
            }
        }
        self.init(
            name: name, target: target, domain: try Self.optionalString(body, "domain"), act: act, priority: priority,
            expression: expression)
    }

    /// The LEARN body that declares this rule on `th_engine_config`.
    public var body: JSONObject {
        var body = JSONObject(["kind": .string(Self.kind), "name": .string(name), "target": .string(target)])
        if let domain { body["domain"] = .string(domain) }
        if let act { body["act"] = .string(act.rawValue) }
        body["priority"] = .integer(JSONInteger(priority))
        if let expression { body["expression"] = .string(expression) }
        return body
    }

    /// The LEARN body that removes the routing rule called `name`.
    public static func tombstoneBody(name: String) -> JSONObject {
        JSONObject(["kind": .string(kind), "name": .string(name), "tombstone": true])
    }

    private static func optionalString(_ body: JSONObject, _ field: String) throws(ConfigIgnoreReason) -> String? {
        switch body[field] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidRule(kind: kind, "body.\(field) must be a string")
        }
    }

    /// Listing order: higher priority first, then name in code point order.
    static func listedBefore(_ lhs: RoutingRule, _ rhs: RoutingRule) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return ExactString(lhs.name) < ExactString(rhs.name)
    }
}
