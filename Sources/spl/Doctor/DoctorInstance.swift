import Foundation
import SyncropelHome
import SyncropelKit

/// What the doctor's checks read about one instance, gathered once and without writing
/// anything: its home, config, identity, store path, backup root, and its daemon's answer.
struct DoctorInstance: Sendable {
    /// What the daemon of the home said to `GET /health`.
    enum Daemon: Sendable {
        case running(health: JSONValue)
        case starting(phase: String)
        case notRunning
        /// Something holds the socket but gave no usable answer; `reason` is the client's one line.
        case unreachable(reason: String)
    }

    let home: HomeLayout
    /// config.toml as loaded, or the defaults when it is missing or cannot be read.
    let config: HomeConfig
    /// Why config.toml could not be loaded; the config row reports it.
    let configError: String?
    let backupRoot: BackupRoot?
    /// Why there is no backup root (`HOME` unset and none configured).
    let backupRootError: String?
    /// The instance key's did:key, from keys/primary.pub (else `[identity] did`): the public half
    /// is enough to name the backup folder, and reading it works whatever the private key's mode.
    let did: DIDKey?
    /// The store the daemon uses: what its `/health` names, else `[store] url`, else hub.db.
    let storePath: String
    let daemon: Daemon
    let now: Date

    var isDaemonRunning: Bool {
        if case .running = daemon { return true }
        return false
    }

    var health: JSONValue? {
        if case .running(let health) = daemon { return health }
        return nil
    }

    /// `<backup root>/instance-<tail>`, when both the root and the identity are known.
    var instanceFolder: String? {
        guard let backupRoot, let did else { return nil }
        return backupRoot.instanceFolder(for: did)
    }

    /// A command that needs the daemon stopped first, such as a restore, when one runs.
    func withDaemonStopped(_ command: String) -> String {
        isDaemonRunning ? "spl stop && " + command : command
    }

    /// `spl restart` when a daemon runs, else `spl start`: what makes a daemon redo its start-up.
    var startOrRestart: String {
        isDaemonRunning ? "spl restart" : "spl start"
    }

    static func gather(home: HomeLayout, environment: [String: String], daemon: Daemon, now: Date) -> DoctorInstance {
        var config = HomeConfig.defaults(environment: environment)
        var configError: String?
        do {
            config = try HomeConfig.load(from: home.configFile, environment: environment)
        } catch {
            configError = "\(error)"
        }
        var backupRoot: BackupRoot?
        var backupRootError: String?
        do {
            backupRoot = try BackupRoot.resolve(environment: environment, config: config)
        } catch {
            backupRootError = error.description
        }
        let publicKey = (try? String(contentsOfFile: home.publicKeyFile, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let did = publicKey.flatMap(DIDKey.init) ?? config.identity.did.flatMap(DIDKey.init)
        return DoctorInstance(
            home: home, config: config, configError: configError, backupRoot: backupRoot,
            backupRootError: backupRootError, did: did,
            storePath: storePath(home: home, config: config, daemon: daemon), daemon: daemon, now: now)
    }

    /// The running daemon's store (it may run with `--store`), else the one config.toml names.
    private static func storePath(home: HomeLayout, config: HomeConfig, daemon: Daemon) -> String {
        let scheme = "sqlite://"
        if case .running(let health) = daemon, let url = health.value(atPath: "store")?.stringValue,
            url.hasPrefix(scheme)
        {
            return String(url.dropFirst(scheme.count))
        }
        return config.storePath(in: home) ?? home.storeFile
    }
}
