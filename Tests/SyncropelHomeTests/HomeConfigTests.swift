import Foundation
import SyncropelKit
import Testing

@testable import SyncropelHome

@Suite struct HomeConfigTests {
    let environment = ["USER": "ana"]

    @Test func storePathFollowsTheStoreURL() throws {
        let home = HomeLayout(root: "/h")
        let parse = { (text: String) in try HomeConfig.parse(text, path: "/h/config.toml", environment: self.environment) }
        #expect(try parse("").storePath(in: home) == "/h/hub.db")
        #expect(try parse("[store]\nurl = \"sqlite:///data/./spl/hub.db\"").storePath(in: home) == "/data/spl/hub.db")
        #expect(try parse("[store]\nurl = \"postgres://db/spl\"").storePath(in: home) == nil)
    }

    @Test func defaultsForAnEmptyFile() throws {
        let config = try HomeConfig.parse("", path: "/h/config.toml", environment: environment)
        #expect(config.identity == .init(actor: "did:sync:user:ana", did: nil))
        #expect(config.server == .init(host: "127.0.0.1", port: 9100, sseHeartbeatSecs: 15))
        #expect(config.store == .init(url: nil, durability: .normal))
        #expect(config.backup.root == nil)
        #expect(config.backup.retentionDays == 14)
        #expect(config.backup.dailyAt.description == "03:00")
        #expect(config.backup.intervalSecs == nil)
        #expect(config.backup.auto == false)
        #expect(config == HomeConfig.defaults(environment: environment))
    }

    @Test func aMissingFileGivesTheDefaults() throws {
        let scratch = ScratchFolder()
        let config = try HomeConfig.load(from: scratch.path + "/config.toml", environment: environment)
        #expect(config == HomeConfig.defaults(environment: environment))
    }

    @Test func everyKeyIsRead() throws {
        let did = SigningIdentity().didKey.description
        let text = """
            [identity]
            actor = "did:sync:user:bob"
            did = "\(did)"
            [server]
            host = "0.0.0.0"
            port = 9300
            sse_heartbeat_secs = 2
            allowed_origins = ["https://app.example", "http://localhost:3000"]
            tls_cert = "/etc/spl/cert.pem"
            tls_key = "/etc/spl/key.pem"
            [store]
            url = "sqlite:///data/hub.db"
            durability = "full"
            [backup]
            root = "/backups"
            retention_days = 30
            daily_at = "23:45"
            interval_secs = 5
            auto = true
            """
        let config = try HomeConfig.parse(text, path: "/h/config.toml", environment: environment)
        #expect(config.identity == .init(actor: "did:sync:user:bob", did: did))
        #expect(config.server == .init(
            host: "0.0.0.0", port: 9300, sseHeartbeatSecs: 2, allowedOrigins: ["https://app.example", "http://localhost:3000"],
            tlsCert: "/etc/spl/cert.pem", tlsKey: "/etc/spl/key.pem"))
        #expect(config.store == .init(url: "sqlite:///data/hub.db", durability: .full))
        #expect(config.backup == .init(root: "/backups", retentionDays: 30,
                                       dailyAt: .init(hour: 23, minute: 45)!, intervalSecs: 5, auto: true))
    }

    @Test func saveThenLoadRoundTrips() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        var config = HomeConfig.defaults(environment: environment)
        config.identity.did = SigningIdentity().didKey.description
        config.server.port = 9301
        config.server.sseHeartbeatSecs = 30
        config.store.durability = .full
        config.backup = .init(root: "/var/backups/spl", retentionDays: 7, dailyAt: .init("04:05")!,
                              intervalSecs: 60, auto: true)
        try config.save(to: path)
        #expect(try HomeConfig.load(from: path, environment: [:]) == config)
        #expect(FileMode.of(path) == 0o600)
    }

    @Test func savingKeepsUnknownKeysAndRemovesClearedOnes() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        try scratch.write("""
            [server]
            port = 9400
            tls = false
            [backup]
            interval_secs = 9
            [federation]
            peers = ["a", "b"]
            """, to: path)
        var config = try HomeConfig.load(from: path, environment: environment)
        #expect(config.server.port == 9400)
        config.backup.intervalSecs = nil
        try config.save(to: path)

        let text = try scratch.read(path)
        #expect(text.contains("tls = false"))
        #expect(text.contains("[federation]"))
        #expect(!text.contains("interval_secs"))
        #expect(try HomeConfig.load(from: path, environment: environment) == config)
    }

    @Test func savingRefusesToOverwriteAMalformedFile() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        try scratch.write("[server\n", to: path)
        #expect(throws: ConfigError.self) {
            try HomeConfig.defaults(environment: environment).save(to: path)
        }
        #expect(try scratch.read(path) == "[server\n")
    }

    @Test func malformedFileNamesThePathAndLine() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        try scratch.write("[server]\nport = 9100\nhost = \n", to: path)
        let error = #expect(throws: ConfigError.self) {
            try HomeConfig.load(from: path, environment: environment)
        }
        guard case let .malformed(errorPath, message, line, _) = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(line == 3)
        #expect(!message.isEmpty)
        #expect(error?.description.hasPrefix("config file \(path) is not valid TOML at line 3, column ") == true)
    }

    @Test func nonUTF8FileIsMalformed() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        try Data([0x5B, 0xFF, 0x5D]).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigError.malformed(path: path, message: "the file is not UTF-8 text", line: nil, column: nil)) {
            try HomeConfig.load(from: path, environment: environment)
        }
    }

    @Test(arguments: [
        ("[server]\nport = \"9100\"", "server.port", "an integer from 1 to 65535"),
        ("[server]\nport = 70000", "server.port", "an integer from 1 to 65535"),
        ("[server]\nhost = \"\"", "server.host", "a host name or address"),
        ("[server]\nsse_heartbeat_secs = 0", "server.sse_heartbeat_secs", "an integer from 1 to 86400"),
        ("[server]\nsse_heartbeat_secs = 1.5", "server.sse_heartbeat_secs", "an integer from 1 to 86400"),
        ("[server]\nallowed_origins = \"https://a.example\"", "server.allowed_origins", "a list of origins such as [\"https://app.example\"]"),
        ("[server]\nallowed_origins = [\"app.example\"]", "server.allowed_origins", "a list of origins such as [\"https://app.example\"]"),
        ("[server]\nrate_limit_per_sec = 0", "server.rate_limit_per_sec", "an integer from 1 to 1000000"),
        ("[server]\nrate_limit_burst = -5", "server.rate_limit_burst", "an integer from 1 to 1000000"),
        ("[server]\nmax_connections_per_client = 0", "server.max_connections_per_client", "an integer from 1 to 1000000"),
        ("[server]\nlimit_loopback = 1", "server.limit_loopback", "true or false"),
        ("[server]\ntls_cert = \"cert.pem\"\ntls_key = \"/k.pem\"", "server.tls_cert", "the absolute path of a PEM certificate chain"),
        ("[server]\ntls_cert = \"/c.pem\"\ntls_key = 1", "server.tls_key", "the absolute path of a PEM private key"),
        ("[server]\ntls_cert = \"/c.pem\"", "server.tls_key", "set together with server.tls_cert (HTTPS needs both)"),
        ("[server]\ntls_key = \"/k.pem\"", "server.tls_cert", "set together with server.tls_key (HTTPS needs both)"),
        ("[identity]\nactor = \"ana\"", "identity.actor", "a DID (did:…) of at most 512 bytes"),
        ("[identity]\ndid = \"did:key:nope\"", "identity.did", "the did:key of an Ed25519 key (did:key:z6Mk…)"),
        ("[store]\ndurability = \"paranoid\"", "store.durability", "\"normal\" or \"full\""),
        ("[backup]\nroot = \"backups\"", "backup.root", "an absolute path"),
        ("[backup]\nretention_days = 0", "backup.retention_days", "an integer of at least 1"),
        ("[backup]\ndaily_at = \"3:00\"", "backup.daily_at", "a UTC time \"HH:MM\""),
        ("[backup]\ndaily_at = \"24:00\"", "backup.daily_at", "a UTC time \"HH:MM\""),
        ("[backup]\ninterval_secs = -1", "backup.interval_secs", "an integer of at least 1"),
        ("[backup]\nauto = \"yes\"", "backup.auto", "true or false"),
        ("server = 9100", "server", "a table ([server])"),
    ])
    func wrongValuesNameTheKey(text: String, key: String, expected: String) {
        #expect(throws: ConfigError.invalidValue(path: "/h/config.toml", key: key, expected: expected)) {
            try HomeConfig.parse(text, path: "/h/config.toml", environment: environment)
        }
    }

    @Test func unknownKeysAreIgnoredOnRead() throws {
        let config = try HomeConfig.parse(
            "top = 1\n[server]\nworkers = 4\n[plugins.x]\ny = 2", path: "/h/config.toml", environment: environment)
        #expect(config == HomeConfig.defaults(environment: environment))
    }

    @Test func defaultActorPrefersUserThenLogname() {
        #expect(HomeConfig.defaultActor(environment: ["USER": "ana", "LOGNAME": "bob"]) == "did:sync:user:ana")
        #expect(HomeConfig.defaultActor(environment: ["USER": "", "LOGNAME": "bob"]) == "did:sync:user:bob")
    }

    @Test func defaultActorFallsBackToThePasswordDatabase() {
        let actor = HomeConfig.defaultActor(environment: [:])
        #expect(actor.hasPrefix("did:sync:user:"))
        #expect(actor.count > "did:sync:user:".count)
    }

    @Test func dailyTimeParsing() {
        #expect(HomeConfig.DailyTime("00:00")?.description == "00:00")
        #expect(HomeConfig.DailyTime("23:59")?.description == "23:59")
        for bad in ["", "3:00", "03:60", "03-00", "03:00:00", "+3:00", "٠٣:٠٠"] {
            #expect(HomeConfig.DailyTime(bad) == nil, "\(bad)")
        }
    }
}
