import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SyncropelHome
import SyncropelStore

/// The daemon's own service: starts the instance once the listeners are bound, and
/// stops it last, after the listeners have finished their in-flight requests
/// (a ServiceGroup shuts its services down in reverse order).
final class InstanceService: Service, Sendable {
    private let sequence: StartupSequence
    private let gate: InstanceGate
    private let signal: BindSignal
    private let failure: StartupFailure
    private let runInfo: RunInfoWriter
    private let lock: HomeLock
    private let logger: Logger
    private let started = Mutex<Instance?>(nil)

    init(sequence: StartupSequence, gate: InstanceGate, signal: BindSignal, failure: StartupFailure, runInfo: RunInfoWriter, lock: HomeLock, logger: Logger) {
        self.sequence = sequence
        self.gate = gate
        self.signal = signal
        self.failure = failure
        self.runInfo = runInfo
        self.lock = lock
        self.logger = logger
    }

    func run() async throws {
        // A listener that cannot bind shuts the group down gracefully; stop waiting then too.
        try await cancelWhenGracefulShutdown { try await self.signal.wait() }
        let instance: Instance
        do {
            instance = try await sequence.run()
        } catch {
            failure.record(error)
            throw error
        }
        started.withLock { $0 = instance }
        let counts = try await instance.store.counts()
        printBanner(instance, records: counts.records, threads: counts.threads)
        gate.open(instance)
        runInfo.writePID()
        runInfo.write(phase: "ready")
        logger.info("ready: \(counts.records) records, \(counts.threads) threads on \(instance.bind) and \(instance.home.socketFile)")
        await instance.derived.startFollowing()
        // Timed backups and replicas run on the daemon that writes, from the moment it does.
        let election = Task {
            await instance.writerElection.run(
                onActive: {
                    await instance.autoBackup.start()
                    await instance.replication.start()
                },
                onStandby: {
                    await instance.autoBackup.stop()
                    await instance.replication.stop()
                })
        }

        // Returns on SIGTERM/SIGINT, or throws when the group is cancelled; either way stop cleanly.
        try? await gracefulShutdown()
        election.cancel()
        await election.value
        await stop(instance)
    }

    /// Cleans up after a start that failed after the lock was taken.
    func finishAfterFailure() async {
        let instance = started.withLock { $0 }
        if let instance {
            await stop(instance)
        } else {
            try? sequence.home.removeRunFiles()
            lock.release()
        }
    }

    /// SPEC 5.2 shutdown: persist folds, checkpoint and close, stamp, remove run files, unlock.
    private func stop(_ instance: Instance) async {
        let alreadyStopped = started.withLock { current -> Bool in
            guard current != nil else { return true }
            current = nil
            return false
        }
        guard !alreadyStopped else { return }
        logger.info("stopping")
        // A timed backup in progress finishes before the store closes under it.
        await instance.autoBackup.stop()
        // Before the store closes: each working replica ships what is left.
        await instance.replication.stop()
        await instance.derived.stopFollowing()
        do {
            // Folded up to the last commit, so the next start has nothing left to fold.
            try await instance.derived.catchUp()
            try await instance.derived.persist()
        } catch {
            logger.warning("derived state not persisted (the next start folds again): \(error)")
        }
        var stamp: [UInt8]?
        do {
            try await instance.store.close()
            if let path = instance.storeLocation.filePath {
                stamp = try CleanShutdownStamp(storePath: path).encoded
            }
        } catch {
            logger.error("store did not close cleanly (the next start runs quick_check): \(error)")
        }
        try? instance.home.removeRunFiles()
        logger.info("stopped")
        lock.release(leaving: stamp)
    }

    private func printBanner(_ instance: Instance, records: Int64, threads: Int64) {
        let backup = instance.startupBackup
        var lines = [
            "Starting Syncropel instance...",
            "Store:    \(instance.store.url) (\(records) records, \(threads) threads)",
            "Backup:   \(backup.bannerText)",
        ]
        if let warning = backup.warning { lines.append(contentsOf: warning.split(separator: "\n").map(String.init)) }
        lines += [
            "Bind:     \(instance.bind)",
            "Socket:   \(instance.home.socketFile)",
            "PID:      \(getpid())",
            "",
            "Instance started. Run 'spl status' to verify health.",
        ]
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// Writes run/spl.json (and at ready run/spl.pid) so other processes can follow the start.
struct RunInfoWriter: Sendable {
    let home: HomeLayout
    let host: String
    let port: Int
    let version: String
    let startedAt: Date
    let logger: Logger

    func write(phase: String) {
        let info = RunInfo(
            pid: getpid(), host: host, port: port, socket: home.socketFile, version: version, phase: phase,
            startedAt: startedAt)
        do {
            try info.write(to: home.runInfoFile)
        } catch {
            logger.warning("cannot write \(home.runInfoFile): \(error)")
        }
    }

    func writePID() {
        do {
            try PrivateFiles.writeAtomically(Array("\(getpid())\n".utf8), to: home.pidFile)
        } catch {
            logger.warning("cannot write \(home.pidFile): \(error)")
        }
    }
}
