import Foundation
import Hummingbird
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// `/health`, `/v1/ping`, `/v1/identity`, `/v1/trust`, `/v1/config`, `/v1/config/rules`, `/v1/admin/backup/auto`.
struct InstanceRoutes {
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.get("/health") { _, context in
            // A TCP client without a valid token learns only that the daemon lives, and its version.
            guard context.access != .anonymous else { return try liveness() }
            return try await health()
        }
        // The cheapest answer the server gives: a liveness probe, and the request-overhead
        // baseline of the benchmark. A POST body is read and dropped, as an ingest would read it.
        router.get("/v1/ping") { _, _ in Response(status: .noContent) }
        router.post("/v1/ping") { request, _ in
            _ = try await request.body.collect(upTo: RequestLimits.maxBatchBytes)
            return Response(status: .noContent)
        }
        router.get("/v1/identity") { _, _ in try identity() }
        router.get("/v1/trust") { _, _ in try await trust() }
        router.get("/v1/config/rules") { request, _ in
            try await rules(all: request.uri.queryParameters["all"] == "true")
        }
        router.get("/v1/config") { _, _ in try await config() }
        router.get("/v1/admin/backup/auto") { _, _ in try await autoBackup() }
        router.post("/v1/admin/backup/auto") { request, context in
            try await setAutoBackup(JSONRequestBody.read(request, context: context))
        }
    }

    private func startingAnswer() -> Response {
        JSONResponse.make(["status": "starting", "phase": .string(gate.phase)], status: .serviceUnavailable)
    }

    private func liveness() throws -> Response {
        guard let instance = gate.instance else {
            return startingAnswer()
        }
        return JSONResponse.make(["status": "ok", "version": .string(instance.version)])
    }

    private func health() async throws -> Response {
        guard let instance = gate.instance else {
            return startingAnswer()
        }
        let counts = try await instance.store.counts()
        let backup = instance.startupBackup
        let auto = await instance.autoBackup.status.jsonMembers
        let replication = await instance.replication.statuses().map(\.jsonValue)
        var answer = JSONObject([
            "status": "ok", "version": .string(instance.version), "instance_did": .string(instance.instanceDID),
            "records": .int(counts.records), "threads": .int(counts.threads), "store": .string(instance.store.url),
            "uptime_secs": .int(Int64(Date().timeIntervalSince(instance.startedAt))),
            "started_at": .string(instance.startedAt.formatted(.iso8601)), "pid": .int(Int64(getpid())),
            "bind": .string(instance.bind), "home": .string(instance.home.root),
            "socket": .string(instance.home.socketFile),
            "backup": [
                "path": backup.path.map(JSONValue.string) ?? .null, "status": .string(backup.status.rawValue),
                "written_at": backup.writtenAt.map { .string($0.formatted(.iso8601)) } ?? .null,
                "records": backup.records.map(JSONValue.int) ?? .null,
                "error": backup.error.map(JSONValue.string) ?? .null,
                "warning": backup.warning.map(JSONValue.string) ?? .null,
                "auto": .object(JSONObject(auto)),
            ],
            "replication": .array(replication),
            "tcp_auth": .string(instance.tcpAuthentication ? "on" : "off"),
        ])
        // Only a store that several daemons share has a role to report; SPEC 6's fields stay as they are otherwise.
        if instance.store.isShared { answer["role"] = .string(instance.writerElection.role.rawValue) }
        return JSONResponse.make(.object(answer))
    }

    /// `GET /v1/admin/backup/auto`: what the timed backups do (SPEC 8.2).
    private func autoBackup() async throws -> Response {
        let instance = try gate.readyInstance()
        let status = await instance.autoBackup.status
        return JSONResponse.make(.object(JSONObject([.init(key: "object", value: "auto_backup")] + status.jsonMembers)))
    }

    /// `POST /v1/admin/backup/auto {"enabled":bool}`: saves `[backup] auto` in config.toml, so the
    /// choice outlives the daemon, then turns the running scheduler on or off.
    private func setAutoBackup(_ body: JSONRequestBody) async throws -> Response {
        let instance = try gate.readyInstance()
        if instance.storeIsInMemory { throw APIError.inMemoryTimedBackups }
        let object = body.value.objectValue ?? JSONObject()
        if let unknown = object.members.first(where: { $0.key != "enabled" }) {
            throw APIError.invalidField(unknown.key, "unknown field \(unknown.key); the body is {\"enabled\": true|false}")
        }
        guard let enabled = object["enabled"]?.boolValue else {
            throw APIError.invalidField("enabled", "enabled must be true or false")
        }
        let path = instance.home.configFile
        do {
            // The file as it is now, not as the daemon read it at start: an operator may have edited it.
            var config = try HomeConfig.load(from: path, environment: ProcessInfo.processInfo.environment)
            config.backup.auto = enabled
            try config.save(to: path)
        } catch {
            throw APIError(.internalServerError, "CONFIG_NOT_SAVED", "\(error)")
        }
        await instance.autoBackup.setEnabled(enabled)
        return try await autoBackup()
    }

    private func identity() throws -> Response {
        let instance = try gate.readyInstance()
        return JSONResponse.make([
            "object": "identity", "did": .string(instance.identity.didKey.description),
            "instance_did": .string(instance.instanceDID), "actor": .string(instance.config.identity.actor),
        ])
    }

    private func trust() async throws -> Response {
        let instance = try gate.readyInstance()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let rows: [JSONValue] = try await instance.derived.trustScores(now: now).map { row in
            [
                "actor": .string(row.subject), "domain": .string(row.domain), "successes": .int(row.successes),
                "total": .int(row.trials), "raw": .double(row.raw), "trust": .double(row.trust),
            ]
        }
        return JSONResponse.list(rows)
    }

    /// Routing rules by descending priority then name; `all` lists every kind by kind, then name.
    private func rules(all: Bool) async throws -> Response {
        let instance = try gate.readyInstance()
        let config = try await instance.derived.engineConfig()
        let rules: [ConfigRule]
        if all {
            rules = config.rules
        } else {
            let live = config.rules(ofKind: RoutingRule.kind)
            rules = config.routingRules.compactMap { rule in live.first { $0.name == rule.name } }
        }
        return JSONResponse.list(rules.map { rule in
            ["kind": .string(rule.kind), "name": .string(rule.name), "record": .string(rule.recordID.hex), "body": .object(rule.body)]
        })
    }

    /// The effective configuration: config.toml as loaded, with the `--host` and `--port` the
    /// daemon listens on, and what config records set.
    private func config() async throws -> Response {
        let instance = try gate.readyInstance()
        let fold = try await instance.derived.engineConfig()
        let file = instance.config
        // Live, not as loaded: POST /v1/admin/backup/auto changes it while the daemon runs.
        let autoBackup = await instance.autoBackup.status.enabled
        var counts: [JSONObject.Member] = []
        for kind in ConfigFold.ruleKinds.sorted() {
            counts.append(.init(key: kind, value: .int(fold.rules(ofKind: kind).count)))
        }
        return JSONResponse.make([
            "object": "config",
            "file": [
                "path": .string(instance.home.configFile),
                "identity": ["actor": .string(file.identity.actor), "did": file.identity.did.map(JSONValue.string) ?? .null],
                "server": ["host": .string(file.server.host), "port": .int(file.server.port)],
                "store": ["url": file.store.url.map(JSONValue.string) ?? .null, "durability": .string(file.store.durability.rawValue)],
                "backup": [
                    "root": .string(instance.backupRoot.path), "retention_days": .int(file.backup.retentionDays),
                    "daily_at": .string(file.backup.dailyAt.description), "auto": .bool(autoBackup),
                ],
            ],
            "settings": .array(fold.settings.map { ["topic": .string($0.topic), "record": .string($0.recordID.hex), "body": .object($0.body)] }),
            "rule_counts": .object(JSONObject(counts)),
            "ignored": .int(fold.ignored.count),
        ])
    }
}
