import Testing

@testable import SyncropelKit

@Suite struct ConfigFoldTests {
    static let operatorDID = "did:example:operator"
    static let engineDID = "did:sync:system:engine"
    static let config = RecordRules.engineConfigThread

    static func rule(_ name: String, target: String = "did:example:dev", priority: Int64 = 0) -> JSONValue {
        .object(RoutingRule(name: name, target: target, priority: priority).body)
    }

    static func tombstone(_ name: String) -> JSONValue {
        .object(RoutingRule.tombstoneBody(name: name))
    }

    @Test func routingRuleFieldsAndDefaults() throws {
        var log = FoldLog()
        try log.add(
            .learn, Self.operatorDID,
            [
                "kind": .string(RoutingRule.kind), "name": "code-to-dev", "target": "did:sync:agent:dev",
                "domain": "code", "act": "INTEND", "priority": 5, "expression": "record.body.size > 3",
            ],
            clock: 1, thread: Self.config)
        try log.add(
            .learn, Self.operatorDID,
            ["kind": .string(RoutingRule.kind), "name": "plain", "target": "did:example:dev", "priority": nil],
            clock: 2, thread: Self.config)
        let rules = ConfigFold.fold(log.records).routingRules
        #expect(
            rules == [
                RoutingRule(
                    name: "code-to-dev", target: "did:sync:agent:dev", domain: "code", act: .intend, priority: 5,
                    expression: "record.body.size > 3"),
                RoutingRule(name: "plain", target: "did:example:dev"),
            ])
    }

    @Test func ruleBodyReadsBackAsTheSameRule() throws {
        let rule = RoutingRule(
            name: "n", target: "did:example:t", domain: "d", act: .know, priority: -4, expression: "true")
        #expect(try RoutingRule(body: rule.body) == rule)
        #expect(
            try RoutingRule(body: RoutingRule(name: "n", target: "did:example:t").body)
                == RoutingRule(name: "n", target: "did:example:t"))
        #expect(
            throws: ConfigIgnoreReason.invalidRule(
                kind: RoutingRule.kind, "body.act must be one of INTEND DO KNOW LEARN GET PUT CALL MAP")
        ) {
            try RoutingRule(body: JSONObject(["name": "n", "target": "did:example:t", "act": "know"]))
        }
        #expect(
            throws: ConfigIgnoreReason.invalidRule(kind: RoutingRule.kind, "body.target must be a non-empty string")
        ) {
            try RoutingRule(body: JSONObject(["name": "n"]))
        }
        #expect(
            throws: ConfigIgnoreReason.invalidRule(
                kind: RoutingRule.kind, "body.expression does not parse: at byte 13: expected an operand, found the end")
        ) {
            try RoutingRule(body: JSONObject(["name": "n", "target": "did:example:t", "expression": "record.act =="]))
        }
    }

    @Test func rulesListByDescendingPriorityThenName() throws {
        var log = FoldLog()
        for (clock, (name, priority)) in [("b", 1), ("c", 10), ("a", 1), ("d", -2)].enumerated() {
            try log.add(
                .learn, Self.operatorDID, Self.rule(name, priority: Int64(priority)), clock: Int64(clock),
                thread: Self.config)
        }
        #expect(ConfigFold.fold(log.records).routingRules.map(\.name) == ["c", "a", "b", "d"])
    }

    @Test func laterDeclarationOverrides() throws {
        var log = FoldLog()
        try log.add(.learn, Self.operatorDID, Self.rule("r", target: "did:example:old"), clock: 1, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.rule("r", target: "did:example:new"), clock: 2, thread: Self.config)
        #expect(ConfigFold.fold(log.records).routingRules.map(\.target) == ["did:example:new"])
    }

    @Test func clockOrderWinsOverArrivalOrder() throws {
        var log = FoldLog()
        try log.add(
            .learn, Self.operatorDID, Self.rule("r", target: "did:example:newer"), clock: 9, thread: Self.config)
        try log.add(.learn, Self.engineDID, Self.rule("r", target: "did:example:older"), clock: 4, thread: Self.config)
        #expect(ConfigFold.fold(log.records).routingRules.map(\.target) == ["did:example:newer"])
    }

    @Test func equalClocksFallBackToSequence() throws {
        var log = FoldLog()
        try log.add(
            .learn, Self.operatorDID, Self.rule("r", target: "did:example:first"), clock: 4, thread: Self.config)
        try log.add(.learn, Self.engineDID, Self.rule("r", target: "did:example:second"), clock: 4, thread: Self.config)
        #expect(ConfigFold.fold(log.records).routingRules.map(\.target) == ["did:example:second"])
    }

    @Test func tombstoneRemovesAndRedeclarationRevives() throws {
        var log = FoldLog()
        try log.add(.learn, Self.operatorDID, Self.rule("r"), clock: 1, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.rule("keep"), clock: 2, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.tombstone("r"), clock: 3, thread: Self.config)
        #expect(ConfigFold.fold(log.records).routingRules.map(\.name) == ["keep"])
        #expect(ConfigFold.fold(log.records).ignored.isEmpty)
        try log.add(.learn, Self.operatorDID, Self.rule("r", target: "did:example:back"), clock: 4, thread: Self.config)
        let revived = ConfigFold.fold(log.records).routingRules
        #expect(revived.map(\.name) == ["keep", "r"])
        #expect(revived.last?.target == "did:example:back")
    }

    @Test func lateTombstoneWithLowerClockDoesNotRemove() throws {
        var log = FoldLog()
        try log.add(.learn, Self.operatorDID, Self.rule("r"), clock: 5, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.tombstone("r"), clock: 2, thread: Self.config)
        #expect(ConfigFold.fold(log.records).routingRules.map(\.name) == ["r"])
    }

    @Test func orphanLearnIsIgnoredWithAWarning() throws {
        var log = FoldLog()
        let orphan = try log.add(.learn, Self.operatorDID, ["text": "remember this"], clock: 1, thread: Self.config)
        let typo = try log.add(
            .learn, Self.operatorDID, ["kind": "core.routing_rule.v2", "name": "x"], clock: 2, thread: Self.config)
        let topic = try log.add(
            .learn, Self.operatorDID, ["kind": "core.config", "topic": "auth_requird"], clock: 3, thread: Self.config)
        let fold = ConfigFold.fold(log.records)
        #expect(
            fold.ignored == [
                IgnoredConfigRecord(id: orphan.id, sequence: 1, reason: .noKindOrTopic),
                IgnoredConfigRecord(id: typo.id, sequence: 2, reason: .unknownKind("core.routing_rule.v2")),
                IgnoredConfigRecord(id: topic.id, sequence: 3, reason: .unknownTopic("auth_requird")),
            ])
        #expect(
            fold.ignored[0].description
                == "config record ignored record=\(orphan.id) sequence=1: LEARN has neither body.kind nor body.topic")
        #expect(fold.rules.isEmpty)
        #expect(fold.settings.isEmpty)
    }

    @Test func invalidRoutingRuleKeepsThePreviousDeclaration() throws {
        var log = FoldLog()
        try log.add(.learn, Self.operatorDID, Self.rule("r", target: "did:example:good"), clock: 1, thread: Self.config)
        let broken = try log.add(
            .learn, Self.operatorDID,
            ["kind": .string(RoutingRule.kind), "name": "r", "target": "did:example:x", "priority": "high"],
            clock: 2, thread: Self.config)
        let nameless = try log.add(
            .learn, Self.operatorDID, ["kind": "core.trigger.v1", "match": "act=KNOW"], clock: 3, thread: Self.config)
        let fold = ConfigFold.fold(log.records)
        #expect(fold.routingRules.map(\.target) == ["did:example:good"])
        #expect(fold.ignored.map(\.id) == [broken.id, nameless.id])
        #expect(
            fold.ignored.map(\.reason.description) == [
                "invalid core.routing_rule.v1: body.priority must be a 64-bit integer",
                "invalid core.trigger.v1: body.name must be a non-empty string",
            ])
    }

    @Test func learnsElsewhereAndOtherActsAreNotConfiguration() throws {
        var log = FoldLog()
        try log.add(.learn, Self.operatorDID, Self.rule("elsewhere"), clock: 1, thread: "th_other")
        try log.add(.learn, Self.operatorDID, ["text": "not config"], clock: 2, thread: "th_other")
        try log.add(.know, Self.operatorDID, Self.rule("known"), clock: 3, thread: Self.config)
        let fold = ConfigFold.fold(log.records)
        #expect(fold.rules.isEmpty)
        #expect(fold.ignored.isEmpty)
        #expect(fold.watermark == 3)
    }

    @Test func otherRuleKindsAreListedGenerically() throws {
        var log = FoldLog()
        let trigger = try log.add(
            .learn, Self.operatorDID, ["kind": "core.trigger.v1", "name": "review", "match": "act=KNOW"], clock: 1,
            thread: Self.config)
        try log.add(
            .learn, Self.operatorDID, ["kind": "core.aitl_rule.v1", "name": "gate"], clock: 2, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.rule("route"), clock: 3, thread: Self.config)
        let fold = ConfigFold.fold(log.records)
        #expect(
            fold.rules.map { "\($0.kind) \($0.name)" } == [
                "core.aitl_rule.v1 gate", "core.routing_rule.v1 route", "core.trigger.v1 review",
            ])
        #expect(
            fold.rules(ofKind: "core.trigger.v1") == [
                ConfigRule(kind: "core.trigger.v1", name: "review", body: trigger.body, recordID: trigger.id)
            ])
    }

    @Test func settingsAreTheLatestPerTopic() throws {
        var log = FoldLog()
        try log.add(
            .learn, Self.engineDID,
            ["topic": "instance_bootstrap", "instance_did": "did:key:z6Mk", "version": "0.1.0"], clock: 0,
            thread: Self.config)
        try log.add(.learn, Self.engineDID, ["topic": "auth_required", "enabled": true], clock: 1, thread: Self.config)
        let latest = try log.add(
            .learn, Self.engineDID, ["topic": "auth_required", "enabled": false], clock: 3, thread: Self.config)
        try log.add(
            .learn, Self.operatorDID, ["topic": "auth_required", "enabled": true], clock: 2, thread: Self.config)
        let origins = try log.add(
            .learn, Self.engineDID, ["topic": "auth_cors_origins", "origins": ["https://a.example"]], clock: 4,
            thread: Self.config)
        let fold = ConfigFold.fold(log.records)
        #expect(
            fold.settings == [
                ConfigSetting(topic: "auth_cors_origins", body: origins.body, recordID: origins.id),
                ConfigSetting(topic: "auth_required", body: latest.body, recordID: latest.id),
            ])
        #expect(fold.topic("instance_bootstrap")?.body["version"] == "0.1.0")
        #expect(fold.ignored.isEmpty)
    }

    @Test func resumingFromASavedStateEqualsFoldingFromScratch() throws {
        var log = FoldLog()
        let big = JSONValue.integer(try #require(JSONInteger(decimal: "123456789012345678901234567890")))
        try log.add(
            .learn, Self.engineDID, ["topic": "instance_bootstrap", "n": ["big": big, "f": 1.0]], clock: 0,
            thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.rule("r", priority: 3), clock: 1, thread: Self.config)
        try log.add(.learn, Self.operatorDID, ["text": "orphan"], clock: 2, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.tombstone("r"), clock: 3, thread: Self.config)
        try log.add(
            .learn, Self.operatorDID, ["kind": "core.health_rule.v1", "name": "disk", "expression": "free > 0.1"],
            clock: 4, thread: Self.config)
        try log.add(.learn, Self.operatorDID, Self.rule("r", priority: 7), clock: 5, thread: Self.config)
        let scratch = ConfigFold.fold(log.records)
        for split in 0...log.records.count {
            var saved = try FoldLog.reloaded(ConfigFold.fold(log.records[..<split]))
            for stored in log.records[split...] { saved.apply(stored) }
            #expect(saved == scratch)
        }
        #expect(scratch.topic("instance_bootstrap")?.body == log.records[0].record.body)
    }
}
