import Foundation
import Testing

@testable import SyncropelHome

@Suite struct HomeConfigReplicaTests {
    let environment = ["USER": "ana"]

    private func parse(_ text: String) throws(ConfigError) -> HomeConfig {
        try HomeConfig.parse(text, path: "/h/config.toml", environment: environment)
    }

    @Test func replicaTablesAreReadWithTheirDefaults() throws {
        let config = try parse("""
            [[replica]]
            name = "nas"
            url = "file:///mnt/nas/spl"

            [[replica]]
            name = "offsite"
            url = "s3://bucket/spl"
            sync_interval = "500ms"
            snapshot_interval = "6h"
            retention = "30d"
            endpoint = "http://127.0.0.1:9000"
            region = "eu-west-1"
            path_style = true
            encryption = "passphrase"
            """)
        #expect(config.replicas.count == 2)
        #expect(config.replicas[0] == HomeConfig.Replica(name: "nas", url: "file:///mnt/nas/spl"))
        #expect(config.replicas[0].syncInterval.milliseconds == 1000)
        #expect(config.replicas[0].snapshotInterval.milliseconds == 86_400_000)
        #expect(config.replicas[0].retention.milliseconds == 14 * 86_400_000)
        let offsite = config.replicas[1]
        #expect(offsite.syncInterval.milliseconds == 500 && offsite.snapshotInterval.milliseconds == 6 * 3_600_000)
        #expect(offsite.retention.text == "30d" && offsite.endpoint == "http://127.0.0.1:9000")
        #expect(offsite.region == "eu-west-1" && offsite.pathStyle == true)
        #expect(config.replicas[0].encryption == .none && offsite.encryption == .passphrase)
        #expect(try parse("").replicas.isEmpty)
    }

    @Test(arguments: [
        ("sync_interval = \"1 s\"", "replica[0].sync_interval", "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\""),
        ("sync_interval = \"0s\"", "replica[0].sync_interval", "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\""),
        ("retention = \"1.5d\"", "replica[0].retention", "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\""),
        ("snapshot_interval = 24", "replica[0].snapshot_interval", "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\""),
        ("path_style = \"yes\"", "replica[0].path_style", "true or false"),
        ("encryption = \"aes\"", "replica[0].encryption", "\"none\" or \"passphrase\""),
        ("encryption = true", "replica[0].encryption", "\"none\" or \"passphrase\""),
        ("ack = \"sync\"", "replica[0].ack", "\"after_commit\" or \"after_replica\""),
        ("ack_timeout = \"10\"", "replica[0].ack_timeout", "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\""),
    ])
    func aBadValueIsRefusedNamingItsField(line: String, key: String, expected: String) {
        let text = "[[replica]]\nname = \"nas\"\nurl = \"file:///mnt/nas\"\n\(line)\n"
        #expect(throws: ConfigError.invalidValue(path: "/h/config.toml", key: key, expected: expected)) { try parse(text) }
    }

    @Test func namesAndURLsAreChecked() {
        let name = "a name of 1 to 64 characters from [A-Za-z0-9._-], unique among replicas"
        let url = "file:///absolute/path or s3://bucket/prefix, not another replica's"
        let cases: [(String, String, String)] = [
            ("[[replica]]\nurl = \"file:///x\"", "replica[0].name", name),
            ("[[replica]]\nname = \"a b\"\nurl = \"file:///x\"", "replica[0].name", name),
            ("[[replica]]\nname = \"a\"\nurl = \"file:///x\"\n[[replica]]\nname = \"a\"\nurl = \"file:///y\"", "replica[1].name", name),
            ("[[replica]]\nname = \"a\"\nurl = \"relative/x\"", "replica[0].url", url),
            ("[[replica]]\nname = \"a\"\nurl = \"file:///x/../etc\"", "replica[0].url", url),
            ("[[replica]]\nname = \"a\"", "replica[0].url", url),
            ("[[replica]]\nname = \"a\"\nurl = \"file:///x\"\n[[replica]]\nname = \"b\"\nurl = \"file:///x\"", "replica[1].url", url),
            ("replica = 3", "replica", "an array of tables ([[replica]])"),
        ]
        for (text, key, expected) in cases {
            #expect(throws: ConfigError.invalidValue(path: "/h/config.toml", key: key, expected: expected), "\(text)") { try parse(text) }
        }
        #expect(ConfigError.invalidValue(path: "/h/config.toml", key: "replica[0].sync_interval", expected: "a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\"").description
            == "config file /h/config.toml: replica[0].sync_interval must be a duration such as \"500ms\", \"1s\", \"10m\", \"24h\" or \"14d\"; fix it, or remove the key to use the default")
    }

    @Test func ackAfterReplicaIsReadOnOneFileReplicaAndSaved() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        let config = try parse("""
            [[replica]]
            name = "nas"
            url = "file:///mnt/nas"
            ack = "after_replica"
            ack_timeout = "2s"

            [[replica]]
            name = "offsite"
            url = "s3://bucket/spl"
            ack = "after_commit"
            """)
        #expect(config.replicas[0].ack == .afterReplica && config.replicas[0].ackTimeout.milliseconds == 2000)
        #expect(config.replicas[1].ack == .afterCommit && config.replicas[1].ackTimeout == HomeConfig.Replica.defaultAckTimeout)
        try config.save(to: path)
        #expect(try HomeConfig.load(from: path, environment: environment) == config)
        // Only a replica that waits says so.
        let saved = try scratch.read(path).split(separator: "\n")
        #expect(saved.filter { $0.hasPrefix("ack = ") || $0.hasPrefix("ack_timeout = ") } == ["ack = 'after_replica'", "ack_timeout = '2s'"])
    }

    @Test func ackAfterReplicaIsRefusedOnS3AndOnASecondReplica() {
        let onS3 = "[[replica]]\nname = \"s3\"\nurl = \"s3://bucket/spl\"\nack = \"after_replica\""
        let s3Requirement = "\"after_commit\" on an s3:// replica: only a file:// replica can be waited on (ack = \"after_replica\")"
        #expect(throws: ConfigError.invalidValue(path: "/h/config.toml", key: "replica[0].ack", expected: s3Requirement)) { try parse(onS3) }
        let twice = """
            [[replica]]
            name = "nas"
            url = "file:///mnt/nas"
            ack = "after_replica"
            [[replica]]
            name = "usb"
            url = "file:///mnt/usb"
            ack = "after_replica"
            """
        let error = #expect(throws: ConfigError.self) { try parse(twice) }
        #expect(error?.description == "config file /h/config.toml: replica[1].ack must be \"after_commit\": replica nas already has"
            + " ack = \"after_replica\", and a write waits on one replica at most; fix it, or remove the key to use the default")
    }

    @Test func savingKeepsReplicasAndRemovingTheLastDropsTheArray() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/config.toml"
        var config = HomeConfig.defaults(environment: environment)
        config.replicas = [
            HomeConfig.Replica(name: "nas", url: "file:///mnt/nas", syncInterval: ConfigDuration("250ms")!),
            HomeConfig.Replica(name: "s3", url: "s3://b/p", encryption: .passphrase, region: "us-east-1", pathStyle: true),
        ]
        try config.save(to: path)
        #expect(try HomeConfig.load(from: path, environment: environment) == config)
        #expect(try scratch.read(path).contains("[[replica]]"))
        // Only a replica that encrypts says so: a file without the key reads as it did.
        #expect(try scratch.read(path).components(separatedBy: "encryption").count == 2)
        config.replicas = []
        try config.save(to: path)
        #expect(try HomeConfig.load(from: path, environment: environment).replicas.isEmpty)
        #expect(try !scratch.read(path).contains("replica"))
    }

    @Test func durationsAreStrict() {
        #expect(ConfigDuration("90s")?.milliseconds == 90_000)
        #expect(ConfigDuration("10m")?.duration == .seconds(600))
        for bad in ["", "s", "1", "-1s", "1S", "1 s", " 1s", "1.0s", "0ms", "1w", "9999999999999s"] {
            #expect(ConfigDuration(bad) == nil, "\(bad)")
        }
    }
}
