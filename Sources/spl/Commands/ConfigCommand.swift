import ArgumentParser
import Foundation
import SyncropelKit

/// `spl config …`: engine configuration, folded from LEARN records on th_engine_config (SPEC 9.3).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration and manage routing rules.",
        discussion: """
            Rules are LEARN records on th_engine_config, so they are kept in the log, backed up with \
            it and rebuilt from it; the latest record per (kind, name) wins.
            """,
        subcommands: [
            ConfigShowCommand.self, ConfigListRulesCommand.self, ConfigAddRuleCommand.self,
            ConfigRemoveRuleCommand.self,
        ]
    )
}

struct ConfigListRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-rules",
        abstract: "List routing rules by descending priority, then name.",
        discussion: "With --all, every rule kind (routing, aitl, permission, trigger, fold, health) by kind, then name."
    )

    @Flag(help: "List every rule kind, not only routing rules.")
    var all = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rules = try await DaemonClient.run { try await $0.getList("/v1/config/rules" + (all ? "?all=true" : "")) }
        output.printList(rules, empty: all ? "no rules" : "no routing rules") { rules in
            all
                ? TextTable(
                    header: ["KIND", "NAME"],
                    rows: rules.map { [$0.value(atPath: "kind").displayText, $0.value(atPath: "name").displayText] })
                : TextTable(
                    header: ["NAME", "TARGET", "DOMAIN", "ACT", "PRIORITY"],
                    rows: rules.map { rule in
                        ["name", "target", "domain", "act", "priority"].map { rule.value(atPath: "body.\($0)").displayText }
                    })
        }
    }
}

struct ConfigAddRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-rule",
        abstract: "Declare a routing rule (a core.routing_rule.v1 LEARN on th_engine_config).",
        discussion: """
            Declaring a name again replaces the rule of that name; it also revives a removed one. An \
            empty name, target or domain, an unknown act, or an expression that is not CEL syntax is \
            refused (exit 64) and nothing is written.
            """
    )

    @Option(help: "The rule's name, unique among routing rules.")
    var name: String

    @Option(help: "The actor DID that matching records are routed to.")
    var target: String

    @Option(help: "Match only records in this domain.")
    var domain: String?

    @Option(help: "Match only records with this act (\(Act.allCases.map(\.rawValue).joined(separator: " "))).")
    var act: String?

    @Option(help: "Higher priorities are tried first.")
    var priority: Int64 = 0

    @Option(help: "A CEL expression a record must satisfy.")
    var expression: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rule = try checkedRule()
        try await ConfigLearn.write(body: rule.body, output: output, done: "✓ routing rule \(name) → \(target) (priority \(priority))")
    }

    /// The rule as typed, refused before anything is written when the config fold would ignore it.
    func checkedRule() throws -> RoutingRule {
        var named = [("--name", name), ("--target", target)]
        if let domain { named.append(("--domain", domain)) }
        for (option, value) in named where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw UsageError.emptyValue(option: option)
        }
        var parsedAct: Act?
        if let act {
            guard let known = Act(rawValue: act.uppercased()) else { throw UsageError.notAnAct(act) }
            parsedAct = known
        }
        if let expression {
            do {
                try CELSyntax.check(expression)
            } catch {
                throw UsageError.expressionNotParsed(expression, reason: error.description)
            }
        }
        return RoutingRule(
            name: name, target: target, domain: domain, act: parsedAct, priority: priority, expression: expression)
    }
}

struct ConfigRemoveRuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-rule",
        abstract: "Remove a routing rule (a tombstone LEARN on th_engine_config).",
        discussion: """
            The rule's earlier records stay in the log; the tombstone is the latest word on the name. \
            A name that is no routing rule now is refused and nothing is written.
            """
    )

    @Option(help: "The name of the routing rule to remove.")
    var name: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rules = try await DaemonClient.run { try await $0.getList("/v1/config/rules").data }
        guard rules.contains(where: { $0.value(atPath: "name")?.stringValue == name }) else {
            throw ConfigRuleError.noSuchRule(name: name)
        }
        try await ConfigLearn.write(
            body: RoutingRule.tombstoneBody(name: name), output: output, done: "✓ routing rule \(name) removed")
    }
}

/// A config change that names a rule the engine does not have.
enum ConfigRuleError: Error, CustomStringConvertible {
    case noSuchRule(name: String)

    var description: String {
        switch self {
        case .noSuchRule(let name):
            return "there is no routing rule \(name); nothing was written ('spl config list-rules' lists the rules)"
        }
    }
}

/// A config LEARN on th_engine_config by this home's actor, written through the socket
/// (the reserved thread accepts writes only there, SPEC 3.3.6).
enum ConfigLearn {
    static func write(body: JSONObject, output: OutputOptions, done: String) async throws {
        let home = try CommandEnvironment.home()
        let envelope: JSONValue = .object(JSONObject([
            "act": .string(Act.learn.rawValue),
            "actor": .string(try CommandEnvironment.actor(override: nil, home: home)),
            "body": .object(body),
            "data_type": .string(DataType.scalar.rawValue),
            "parents": [],
            "thread": .string(RecordRules.engineConfigThread),
        ]))
        let stored = try await DaemonClient.run { try await $0.post("/v1/records", body: envelope) }
        if output.json {
            print(stored.serialized())
        } else {
            print("\(done): LEARN \(stored.value(atPath: "id").displayText) (clock \(stored.value(atPath: "clock").displayText))")
        }
    }
}

struct ConfigShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the effective configuration: config.toml, config records and rule counts.",
        discussion: "Settings are the latest LEARN per topic on th_engine_config; rules are counted by kind."
    )

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let config = try await DaemonClient.run { try await $0.get("/v1/config") }
        if output.json {
            print(config.serialized())
            return
        }
        Self.lines(config).forEach { print($0) }
    }

    /// The file's sections as `[section]` / `key = value`, then the settings, rule counts and ignored records.
    static func lines(_ config: JSONValue) -> [String] {
        var lines = ["File: \(config.value(atPath: "file.path").displayText)"]
        for section in config.value(atPath: "file")?.objectValue?.members ?? [] {
            guard case .object(let values) = section.value else { continue }
            lines.append("[\(section.key)]")
            lines += values.members.map { "  \($0.key) = \($0.value.displayText)" }
        }
        let settings = config.value(atPath: "settings")?.arrayValue ?? []
        lines.append(settings.isEmpty ? "Settings: none" : "Settings:")
        lines += settings.map { setting in
            "  \(setting.value(atPath: "topic").displayText) = \(setting.value(atPath: "body").displayText)"
        }
        let counts = config.value(atPath: "rule_counts")?.objectValue?.members ?? []
        lines.append(counts.isEmpty ? "Rules: none" : "Rules:")
        lines += counts.map { "  \($0.key): \($0.value.displayText)" }
        lines.append("Ignored config records: \(config.value(atPath: "ignored").displayText)")
        return lines
    }
}
