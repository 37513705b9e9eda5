import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelReplica

/// `spl backup replica add|remove|list|verify` (docs/REPLICATION.md): the `[[replica]]` tables
/// of config.toml, and a whole-replica check. The daemon reads the replicas when it starts.
struct BackupReplicaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replica",
        abstract: "Add, remove, list and verify continuous replicas of the record log.",
        discussion: "Changes to the list take effect when the daemon next starts ('spl stop' then 'spl serve --daemon').",
        subcommands: [
            BackupReplicaAddCommand.self, BackupReplicaRemoveCommand.self, BackupReplicaListCommand.self,
            BackupReplicaStatusCommand.self, BackupReplicaVerifyCommand.self,
        ]
    )
}

/// Why a replica command refused; nothing was changed.
enum ReplicaCommandError: Error, Equatable, CustomStringConvertible {
    case badName(String)
    case badURL(String)
    case badDuration(option: String, value: String)
    case badEncryption(String)
    case badAck(String)
    /// `ack` cannot be what was asked for this replica; `requirement` says what it must be.
    case ackRefused(name: String, requirement: String)
    case nameTaken(name: String, configFile: String)
    case urlTaken(url: String, name: String, configFile: String)
    case unknownName(name: String, configFile: String)
    case notConfigured(name: String, configFile: String)
    case noSingleInstance(location: String, found: [String])

    var description: String {
        switch self {
        case .badName(let name):
            "replica name \(name.debugDescription) must be 1 to 64 characters from [A-Za-z0-9._-]"
        case .badURL(let url):
            "replica URL \(url.debugDescription) must be file:///absolute/path or s3://bucket/prefix"
        case .badDuration(let option, let value):
            "\(option) \(value.debugDescription) must be a duration such as 500ms, 1s, 10m, 24h or 14d"
        case .badEncryption(let value):
            "--encryption \(value.debugDescription) must be none or passphrase"
        case .badAck(let value):
            "--ack \(value.debugDescription) must be after_commit or after_replica"
        case .ackRefused(let name, let requirement):
            "replica \(name): ack must be \(requirement)"
        case .nameTaken(let name, let file):
            "a replica named \(name) is already in \(file); remove it first or choose another name"
        case .urlTaken(let url, let name, let file):
            "replica \(name) in \(file) already ships to \(url); two replicas in one place would prune each other's generations"
        case .unknownName(let name, let file):
            "no replica named \(name) in \(file), and \(name.debugDescription) is not a file:/// or s3:// URL; see 'spl backup replica list'"
        case .notConfigured(let name, let file):
            "no replica named \(name) in \(file); see 'spl backup replica list'"
        case .noSingleInstance(let location, let found):
            found.isEmpty
                ? "replica \(location) holds no instance folder (instance-<24 hex>)"
                : "replica \(location) holds \(found.count) instances (\(found.joined(separator: ", "))) and this home has no identity to choose one; restore its keys first"
        }
    }
}

/// The home's config and, for commands that read a replica, where it is and whose objects to read.
struct ReplicaSelection {
    let objects: any ReplicaObjectStore
    let layout: ReplicaLayout

    /// `nameOrURL` is a configured replica's name, else a replica URL. The instance is the
    /// home's own; a home without keys reads the replica's only instance, and so does
    /// `anyInstance` when the replica does not hold the home's.
    ///
    /// Encrypted objects are opened with SPL_BACKUP_PASSPHRASE; a replica configured with
    /// `encryption = "passphrase"` must hold nothing else.
    static func resolve(_ nameOrURL: String, anyInstance: Bool = false) async throws -> ReplicaSelection {
        let home = try CommandEnvironment.home()
        let environment = CommandEnvironment.variables
        let config = try HomeConfig.load(from: home.configFile, environment: environment)
        let located: any ReplicaObjectStore
        if let replica = config.replicas.first(where: { $0.name == nameOrURL }) {
            located = try ReplicaLocation.objectStore(for: replica, environment: environment, home: home)
        } else if HomeConfig.Replica.isValidURL(nameOrURL) {
            located = try ReplicaLocation.objectStore(url: nameOrURL, environment: environment, home: home)
        } else {
            throw ReplicaCommandError.unknownName(name: nameOrURL, configFile: home.configFile)
        }
        let passphrase = environment["SPL_BACKUP_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
        let objects = located as? EncryptedObjectStore ?? EncryptedObjectStore(base: located, passphrase: passphrase, mode: .whenPresent)
        if home.hasIdentity {
            let own = try KeyFiles.load(from: home).didKey.instanceTail
            let holdsOwn = anyInstance ? try await ReplicaLayout.instanceTails(in: objects).contains(own) : true
            if holdsOwn {
                return ReplicaSelection(objects: objects, layout: ReplicaLayout(instanceTail: own))
            }
        }
        let tails = try await ReplicaLayout.instanceTails(in: objects)
        guard tails.count == 1 else {
            throw ReplicaCommandError.noSingleInstance(location: objects.location, found: tails.map { "instance-\($0)" })
        }
        return ReplicaSelection(objects: objects, layout: ReplicaLayout(instanceTail: tails[0]))
    }

    var reader: ReplicaReader { ReplicaReader(objects: objects, layout: layout) }
}

struct BackupReplicaAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a replica to config.toml.")

    @Argument(help: "A name for the replica: 1 to 64 characters from [A-Za-z0-9._-].")
    var name: String

    @Argument(help: "file:///absolute/path or s3://bucket/prefix.")
    var url: String

    @Option(help: "How often new records are shipped (default 1s).")
    var syncInterval: String?

    @Option(help: "How often a new snapshot starts a generation (default 24h).")
    var snapshotInterval: String?

    @Option(help: "How far back a restore stays possible (default 14d).")
    var retention: String?

    @Option(help: "passphrase: encrypt every object under SPL_BACKUP_PASSPHRASE, which the daemon then needs to start (default none).")
    var encryption: String?

    @Option(help: "after_replica: answer a write only once it is in this file replica too (default after_commit).")
    var ack: String?

    @Option(help: "With --ack after_replica: how long a write waits for the replica before 503 REPLICA_UNAVAILABLE (default 10s).")
    var ackTimeout: String?

    @Option(help: "S3: the endpoint URL (http:// or https://).")
    var endpoint: String?

    @Option(help: "S3: the region.")
    var region: String?

    @Flag(help: "S3: name the bucket in the path (endpoint/bucket/key), as servers addressed by IP need.")
    var pathStyle = false

    func run() async throws {
        guard HomeConfig.Replica.isValidName(name) else { throw ReplicaCommandError.badName(name) }
        guard HomeConfig.Replica.isValidURL(url) else { throw ReplicaCommandError.badURL(url) }
        let encrypted = try encryption.map { value in
            guard let parsed = HomeConfig.Replica.Encryption(rawValue: value) else { throw ReplicaCommandError.badEncryption(value) }
            return parsed
        }
        let acknowledgement = try ack.map { value in
            guard let parsed = HomeConfig.Replica.Ack(rawValue: value) else { throw ReplicaCommandError.badAck(value) }
            return parsed
        }
        var replica = HomeConfig.Replica(
            name: name, url: url, encryption: encrypted ?? .none, ack: acknowledgement ?? .afterCommit,
            endpoint: endpoint, region: region, pathStyle: pathStyle ? true : nil)
        for (option, value, keyPath) in [
            ("--sync-interval", syncInterval, \HomeConfig.Replica.syncInterval),
            ("--snapshot-interval", snapshotInterval, \HomeConfig.Replica.snapshotInterval),
            ("--retention", retention, \HomeConfig.Replica.retention),
            ("--ack-timeout", ackTimeout, \HomeConfig.Replica.ackTimeout),
        ] {
            guard let value else { continue }
            guard let duration = ConfigDuration(value) else { throw ReplicaCommandError.badDuration(option: option, value: value) }
            replica[keyPath: keyPath] = duration
        }
        let home = try CommandEnvironment.home()
        var config = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables)
        guard !config.replicas.contains(where: { $0.name == name }) else {
            throw ReplicaCommandError.nameTaken(name: name, configFile: home.configFile)
        }
        if let other = config.replicas.first(where: { $0.url == url }) {
            throw ReplicaCommandError.urlTaken(url: url, name: other.name, configFile: home.configFile)
        }
        if let requirement = replica.ackRequirement(besides: config.replicas) {
            throw ReplicaCommandError.ackRefused(name: name, requirement: requirement)
        }
        config.replicas.append(replica)
        try home.create()
        try config.save(to: home.configFile)
        let encryptionNote = replica.encryption == .passphrase ? ", objects encrypted under SPL_BACKUP_PASSPHRASE" : ""
        let ackNote = replica.ack == .afterReplica ? ", writes answered once in the replica (timeout \(replica.ackTimeout))" : ""
        print("Added replica \(name) → \(url) (sync every \(replica.syncInterval), snapshot every \(replica.snapshotInterval), retention \(replica.retention)\(encryptionNote)\(ackNote)) to \(home.configFile).")
        print("The daemon starts shipping to it at its next start.")
    }
}

struct BackupReplicaRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a replica from config.toml (its objects stay where they are).")

    @Argument(help: "The replica's name.")
    var name: String

    func run() async throws {
        let home = try CommandEnvironment.home()
        var config = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables)
        guard let index = config.replicas.firstIndex(where: { $0.name == name }) else {
            throw ReplicaCommandError.notConfigured(name: name, configFile: home.configFile)
        }
        let removed = config.replicas.remove(at: index)
        try config.save(to: home.configFile)
        print("Removed replica \(name) (\(removed.url)) from \(home.configFile); its objects were left in place.")
    }
}

struct BackupReplicaListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the replicas config.toml names.")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let home = try CommandEnvironment.home()
        let replicas = try HomeConfig.load(from: home.configFile, environment: CommandEnvironment.variables).replicas
        let items: [JSONValue] = replicas.map { replica in
            .object(JSONObject([
                "name": .string(replica.name), "url": .string(replica.url),
                "sync_interval": .string(replica.syncInterval.text),
                "snapshot_interval": .string(replica.snapshotInterval.text), "retention": .string(replica.retention.text),
                "encryption": .string(replica.encryption.rawValue),
            ]))
        }
        output.printList(items, empty: "no replicas in \(home.configFile); add one with 'spl backup replica add NAME URL'") { _ in
            TextTable(
                header: ["NAME", "URL", "SYNC", "SNAPSHOT", "RETENTION", "ENCRYPTION"],
                rows: replicas.map {
                    [$0.name, $0.url, $0.syncInterval.text, $0.snapshotInterval.text, $0.retention.text, $0.encryption.rawValue]
                })
        }
    }
}

/// Where each replica of the running daemon stands, from `/health`'s `replication`.
struct BackupReplicaStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show how far each replica of the running daemon has shipped, and its lag.")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let replicas = try await DaemonClient.run { client in
            try await client.get("/health").value(atPath: "replication")?.arrayValue ?? []
        }
        output.printList(replicas, empty: "the daemon ships to no replica; add one with 'spl backup replica add NAME URL'") { items in
            TextTable(
                header: ["NAME", "LOCATION", "STATE", "SHIPPED", "LAG", "LAST ERROR"],
                rows: items.map { replica in
                    let field = { (path: String) in replica.value(atPath: path).displayText }
                    return [
                        field("name"), field("location"), field("state"), field("shipped_sequence"),
                        "\(field("lag_records")) records (\(field("lag_secs")) s)",
                        replica.value(atPath: "last_error")?.stringValue ?? "",
                    ]
                })
        }
    }
}

struct BackupReplicaVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a whole replica without restoring it.",
        discussion: """
            For every generation: generation.json, the snapshot's SHA-256 and contents (pages, every id \
            re-hashed, every signature, exactly the records it claims), then every segment through the \
            chain: each record re-hashed and its signature checked, no sequence missing, nothing foreign, \
            replayed or altered. Names the first bad object of each generation. Exit 0 sound, 1 not. \
            An encrypted replica's objects are opened with SPL_BACKUP_PASSPHRASE.
            """
    )

    @Argument(help: "A configured replica's name, or its URL.")
    var replica: String

    func run() async throws {
        let selection = try await ReplicaSelection.resolve(replica)
        print("Verifying \(selection.objects.location) instance-\(selection.layout.instanceTail)")
        let results = try await ReplicaVerification.run(reader: selection.reader, scratchFolder: NSTemporaryDirectory())
        for result in results {
            let snapshot = result.snapshotSequence.map { "snapshot 1...\($0)" } ?? "no snapshot"
            if let problem = result.problem {
                print("Generation \(result.generation): \(snapshot), \(result.segments) segments: FAILED: \(problem)")
            } else {
                print("Generation \(result.generation): \(snapshot), \(result.segments) segments through sequence \(result.reached ?? 0), \(result.bytes) bytes: OK")
            }
        }
        let failed = results.filter { $0.problem != nil }.count
        guard failed == 0 else {
            print("FAILED: \(failed) of \(results.count) generations")
            throw ExitCode(1)
        }
        print("OK")
    }
}
