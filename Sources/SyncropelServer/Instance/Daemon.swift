import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import ServiceLifecycle
import SyncropelHome
import SyncropelKit
import SyncropelReplica
import SyncropelStore

/// `spl serve --foreground`: the whole life of one daemon, from home bootstrap to clean stop (SPEC 5.2).
///
/// ```swift
/// let code = await Daemon(home: home, options: options, environment: env, version: "0.1.0").run()
/// exit(code)
/// ```
public struct Daemon: Sendable {
    public let home: HomeLayout
    public let options: ServeOptions
    public let environment: [String: String]
    public let version: String

    public init(home: HomeLayout, options: ServeOptions, environment: [String: String], version: String) {
        self.home = home
        self.options = options
        self.environment = environment
        self.version = version
    }

    /// Runs until SIGTERM or SIGINT; returns the exit code of SPEC 5.1. A start-up failure
    /// is printed as `Error: <reason>` on stderr and logged as one ERROR line (target
    /// `startup`, message `start failed: <reason>`); reasons name the file at fault.
    public func run() async -> Int32 {
        // Whatever the caller's umask, nothing the daemon creates (the socket, SQLite's side
        // files, temporary files) is open to group or others.
        umask(0o077)
        RaisedFileLimit.apply()
        let logger: Logger
        do {
            logger = try startLogging()
        } catch {
            return report(error)
        }
        do {
            try await serve(logger: logger)
            return 0
        } catch {
            logger.error("start failed: \(error.description)")
            return report(error)
        }
    }

    /// Said in the log and on stderr at every such start: the operator may have meant HTTPS.
    private func warnPlainHTTP(bind: String, logger: Logger) {
        let message = "TCP listener \(bind) is not a loopback address and serves plain HTTP: tokens and records cross the network in clear; set [server] tls_cert and tls_key in config.toml to serve HTTPS"
        logger.warning("\(message)")
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// `--host`, else `[server] host`; `--insecure-localhost` forces 127.0.0.1 and refuses a `--host`
    /// others can reach, since it turns TCP authentication off. Said at every such start.
    private func listenHost(config: HomeConfig, logger: Logger) throws(StartupError) -> String {
        guard options.insecureLocalhost else { return options.host ?? config.server.host }
        if let host = options.host, !LoopbackAddress.contains(host) {
            throw .configuration(
                "--host \(host) is not a loopback address, and --insecure-localhost turns TCP authentication off; drop --insecure-localhost to serve \(host) with tokens")
        }
        let message = Self.insecureWarning
        logger.warning("\(message)")
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
        return "127.0.0.1"
    }

    /// The WARN line of every `--insecure-localhost` start.
    public static let insecureWarning =
        "--insecure-localhost: TCP authentication is OFF; any process on this machine can read and write records on 127.0.0.1"

    private func report(_ error: StartupError) -> Int32 {
        FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
        return error.exitCode
    }

    private func serve(logger: Logger) async throws(StartupError) {
        let startedAt = Date()
        _ = try BootstrapToken.read(environment)
        var (config, identity, isNewHome) = try await prepareHome()
        let host = try listenHost(config: config, logger: logger)
        let port = options.port ?? config.server.port
        guard (1...65535).contains(port) else { throw .configuration("port \(port) is not a TCP port (1-65535)") }
        // The configuration in effect: /v1/config and 'spl config show' say where the daemon
        // listens, not what config.toml would have chosen. This config is never saved.
        config.server.host = host
        config.server.port = port
        let heartbeat: Duration
        do {
            heartbeat = try HeartbeatSetting.interval(config: config, environment: environment)
        } catch {
            throw .configuration(error.description)
        }
        for replica in config.replicas {
            do {
                _ = try ReplicaLocation.encryptionPassphrase(for: replica, environment: environment)
            } catch {
                throw .configuration(error.description)
            }
        }
        var tls: TLSConfiguration?
        if let certificate = config.server.tlsCert, let key = config.server.tlsKey {
            tls = try ListenerTLS.configuration(certificate: certificate, key: key)
        } else if !LoopbackAddress.contains(host) {
            warnPlainHTTP(bind: "\(host):\(port)", logger: logger)
        }
        let storeLocation = try resolveStoreLocation(config)
        if let storePath = storeLocation.filePath, !isNewHome {
            try refuseMissingStore(storePath: storePath, identity: identity, config: config)
        }
        if case .address(.postgres(let url)) = storeLocation, !isNewHome {
            try await checkDatabaseStore(url, identity: identity, config: config)
        }
        if config.identity.did == nil { config.identity.did = identity.didKey.description }

        // Read before the lock: taking it replaces the stamp with our pid, so a crash leaves none.
        let stamp = CleanShutdownStamp.load(from: home.lockFile)
        let lock: HomeLock
        do {
            lock = try HomeLock.acquire(home)
        } catch {
            if case .locked = error { throw .homeLocked(error.description) }
            throw .other(error.description)
        }
        do {
            try home.checkSocketPath()
        } catch {
            lock.release()
            throw .configuration(error.description)
        }
        // Files a killed daemon left behind; the lock proves nobody else owns them.
        try? home.removeRunFiles()

        let runInfo = RunInfoWriter(home: home, host: host, port: port, version: version, startedAt: startedAt, logger: logger)
        runInfo.write(phase: "binding")
        let backupRoot: BackupRoot
        do {
            backupRoot = try BackupRoot.resolve(environment: environment, config: config)
        } catch {
            lock.release()
            throw .configuration("\(error)")
        }
        let gate = InstanceGate()
        let failure = StartupFailure()
        let signal = BindSignal(listeners: 2)
        let feed = RecordFeed(maxWatchers: config.server.maxWatchers)
        let browserGuard = BrowserRequestGuard(host: host, port: port, allowedOrigins: Set(config.server.allowedOrigins))
        let connectionLimit = ConnectionLimit(maximum: config.server.maxConnections)
        let clientLimits = ClientLimits(settings: .init(
            perSecond: config.server.rateLimitPerSec, burst: config.server.rateLimitBurst,
            connectionsPerClient: config.server.maxConnectionsPerClient, limitLoopback: config.server.limitLoopback))
        let authentication = options.insecureLocalhost
            ? nil : TCPAuthentication(
                accounts: { await gate.instance?.derived.auth }, failures: FailedAuthentications(), logger: Logger(label: "auth"))
        let responder = InstanceRouter.make(
            gate: gate, feed: feed, version: version, browserGuard: browserGuard, clientLimits: clientLimits,
            authentication: authentication
        ).buildResponder()
        let bind = "\(host):\(port)"
        let sequence = StartupSequence(
            home: home, config: config, identity: identity, options: options, storeLocation: storeLocation,
            backupRoot: backupRoot, cleanShutdownStamp: stamp, version: version, bind: bind, startedAt: startedAt,
            environment: environment, logger: logger, reportPhase: { phase in
                gate.setPhase(phase)
                runInfo.write(phase: phase)
            })
        let instanceService = InstanceService(
            sequence: sequence, gate: gate, signal: signal, failure: failure, runInfo: runInfo, lock: lock, logger: logger)
        let serverLogger = Logger(label: "http")
        // TCP is open to anything that can reach the port; the socket only to this user.
        let tcpListener: Listener
        let socketListener: Listener
        do {
            tcpListener = try Listener(
                responder: responder, address: .hostname(host, port: port), name: bind,
                channelHandlers: { [connectionLimit, clientLimits] in [connectionLimit.handler(), clientLimits.handler()] },
                idleTimeout: .seconds(config.server.idleTimeoutSecs),
                tls: tls, signal: signal, failure: failure, logger: serverLogger)
            socketListener = try Listener(
                responder: responder, address: .unixDomainSocket(path: home.socketFile), name: home.socketFile,
                channelHandlers: { [] }, idleTimeout: nil, signal: signal, failure: failure, logger: serverLogger)
        } catch {
            lock.release()
            throw error
        }
        // Last, so it stops first: open watches end before the listeners wait for their requests.
        let feedService = RecordFeedService(feed: feed, heartbeat: heartbeat)
        let services: [any Service] = [instanceService, tcpListener, socketListener, feedService]
        var configuration = ServiceGroupConfiguration(
            services: services.map { service in
                // A failed start shuts the listeners down gracefully: cancelling them leaves
                // HTTP-server errors in the log that hide the one reason that matters.
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Logger(label: "lifecycle"))
        // In-flight requests get 10 s (SPEC 5.2 shutdown), then they are cancelled.
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            await instanceService.finishAfterFailure()
            throw failure.error ?? (error as? StartupError) ?? .other("\(error)")
        }
        if let error = failure.error { throw error }
    }

    /// SPEC 5.2 step 1: a home without an identity is created; one with an identity is loaded.
    private func prepareHome() async throws(StartupError) -> (HomeConfig, SigningIdentity, isNew: Bool) {
        do {
            guard home.hasIdentity else {
                let created = try await HomeBootstrap.create(home, environment: environment, force: false, version: version)
                return (created.config, created.identity, true)
            }
            try home.create()
            let config = try HomeConfig.load(from: home.configFile, environment: environment)
            return (config, try KeyFiles.load(from: home), false)
        } catch let error as HomeError {
            throw .configuration(error.description)
        } catch let error as StoreError {
            throw .store(error.description)
        } catch {
            throw .configuration("\(error)")
        }
    }

    /// JSON lines in logs/spl.log, at the level `SPL_LOG` names (SPEC 5.3); creates the home's
    /// folders and puts back their private modes, saying so in the log.
    private func startLogging() throws(StartupError) -> Logger {
        let repairs: [String]
        do {
            try home.create()
            repairs = try home.enforcePrivateModes()
            let level = try LogLevelSetting.level(from: environment)
            let file = try RotatingLogFile(path: home.logFile)
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, file: file, logLevel: level) }
        } catch {
            throw .configuration("\(error)")
        }
        let logger = Logger(label: "startup")
        for repair in repairs { logger.warning("\(repair)") }
        return logger
    }

    /// `--memory`, then `--store`, then `[store] url`, then `<home>/hub.db`.
    private func resolveStoreLocation(_ config: HomeConfig) throws(StartupError) -> StoreLocation {
        if options.memory { return .memory }
        guard let text = options.storePath ?? config.store.url else { return .address(.sqlite(path: home.storeFile)) }
        do {
            return .address(try StoreAddress(text, currentDirectory: FileManager.default.currentDirectoryPath, environment: environment))
        } catch .unknownScheme where options.storePath == nil {
            throw .configuration(
                "[store] url \(text) is not supported; use sqlite://<path> or postgresql://user@host/database in \(home.configFile)")
        } catch {
            throw .configuration(error.description)
        }
    }

    /// SPEC 5.2 step 1 for a database: a home with an identity never starts empty on a database
    /// that lost its store (dropped, or a wrong URL), and `--new-store` never starts on one that
    /// holds a store; a server out of reach fails the start as opening would.
    private func checkDatabaseStore(_ url: PostgresStoreURL, identity: SigningIdentity, config: HomeConfig) async throws(StartupError) {
        let holdsStore: Bool
        do {
            holdsStore = try await PostgresRestore.databaseHoldsStore(url)
        } catch {
            throw .store("\(error)")
        }
        if options.newStore {
            guard !holdsStore else {
                throw .configuration("--new-store starts an empty store, but database \(url) already holds one; "
                    + "start without --new-store to serve it, or give another database")
            }
            return
        }
        guard !holdsStore else { return }
        let backupRoot = try? BackupRoot.resolve(environment: environment, config: config)
        let restore = backupRoot.flatMap { NewestBackup.find(root: $0, did: identity.didKey) }
            .map { "restore the newest backup into it with 'spl backup restore \($0)'" }
            ?? "restore a backup into it with 'spl backup restore <file>'"
        throw .store("database \(url) holds no store but this home has an identity; \(restore), copy a store there with "
            + "'spl store copy --from <file> --to \(url)', or start an empty store with 'spl serve --new-store'")
    }

    /// SPEC 5.2 step 1: an identity without its store must not silently start empty.
    private func refuseMissingStore(storePath: String, identity: SigningIdentity, config: HomeConfig) throws(StartupError) {
        var info = stat()
        let size: Int64? = stat(storePath, &info) == 0 ? Int64(info.st_size) : nil
        if options.newStore {
            guard (size ?? 0) == 0 else {
                throw .configuration("--new-store starts an empty store, but \(storePath) already holds one; move it aside first")
            }
            return
        }
        guard (size ?? 0) == 0 else { return }
        let problem = size == nil ? "is missing" : "is empty (0 bytes)"
        let backupRoot = try? BackupRoot.resolve(environment: environment, config: config)
        let newest = backupRoot.flatMap { NewestBackup.find(root: $0, did: identity.didKey) }
        let restore = newest.map { "restore the newest backup with 'spl backup restore \($0)'" }
            ?? "no backup was found under \(backupRoot?.path ?? "the backup root"); restore one with 'spl backup restore <file>'"
        throw .store("store \(storePath) \(problem) but this home has an identity; \(restore), or start an empty store with 'spl serve --new-store'")
    }
}

/// The newest backup of an instance, from its backup catalog (the legacy root file included).
enum NewestBackup {
    static func find(root: BackupRoot, did: DIDKey) -> String? {
        BackupCatalog.read(folder: root.instanceFolder(for: did), legacy: root.path + "/" + StartupBackup.fileName).newest?.path
    }
}
