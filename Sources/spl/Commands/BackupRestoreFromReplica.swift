import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelReplica

extension BackupRestoreCommand {
    /// `spl backup restore --from-replica NAME|URL [--at TIME | --sequence N] [--to FILE] [--with-keys [--replace-keys]] [--yes]`.
    func restoreFromReplica(_ nameOrURL: String) async throws {
        let selection = try await ReplicaSelection.resolve(nameOrURL, anyInstance: withKeys)
        let target: RestoreTarget = if let sequence { .sequence(sequence) } else if let at { .time(Self.milliseconds(at)!) } else { .latest }
        let home = try CommandEnvironment.home()
        let destination = to?.absolutePath
        if let destination, FileManager.default.fileExists(atPath: destination) {
            throw OperatorError("\(destination) already exists and a restore never overwrites a file; choose another name")
        }
        // Without --to the home's store is replaced: no daemon may start while the copy is built.
        let lock = destination == nil ? try lockHome(home) : nil
        defer { lock?.release() }
        // Opened before the rebuild: a wrong passphrase or another identity costs nothing.
        let keys = withKeys ? try await replicaKeys(selection, home: home) : nil
        let folder = URL(fileURLWithPath: destination ?? home.storeFile).deletingLastPathComponent().path
        let scratch = "\(folder)/.hub.db.from-replica-\(UInt32.random(in: .min ... .max))"
        defer { try? PrivateFiles.remove(scratch) }

        print("Restoring from \(selection.objects.location) instance-\(selection.layout.instanceTail) to \(target)")
        let started = ContinuousClock.now
        let restored = try await ReplicaRestore.build(
            reader: selection.reader, target: target, into: scratch, version: BuildInfo.semver)
        let elapsed = ContinuousClock.now - started
        print("Generation: \(restored.generation), snapshot 1...\(restored.snapshotSequence), \(restored.segmentsRead) segments replayed")
        print("Rebuilt:    sequences 1...\(restored.highestSequence), every id re-hashed and signature checked, in \(String(format: "%.2f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) s")
        if let destination {
            guard link(scratch, destination) == 0 else {
                throw OperatorError("cannot write \(destination): \(String(cString: strerror(errno)))")
            }
            print("Written:    \(destination)")
            return
        }
        try await install(scratch, describedAs: "\(selection.objects.location) (sequences 1...\(restored.highestSequence))", into: home)
        if let keys { try install(keys, from: selection, into: home) }
    }

    /// The replica's sealed keys, refused when the home already has another identity and
    /// `--replace-keys` was not given.
    private func replicaKeys(_ selection: ReplicaSelection, home: HomeLayout) async throws -> SigningIdentity {
        let passphrase = CommandEnvironment.variables["SPL_BACKUP_PASSPHRASE"]
        let identity = try await ReplicaSealedKeys.open(reader: selection.reader, passphrase: passphrase)
        if home.hasIdentity, !replaceKeys {
            let current = (try? KeyFiles.load(from: home)).map { "\($0.didKey)" } ?? "unreadable"
            guard current == identity.didKey.description else {
                throw OperatorError(
                    "this home's keys are \(current), the replica's are \(identity.didKey); pass --replace-keys to replace"
                        + " them (this home's keys are kept as keys.replaced.<epoch>)")
            }
        }
        return identity
    }

    /// Writes the replica's key pair into keys/, moving another identity's keys aside first.
    private func install(_ identity: SigningIdentity, from selection: ReplicaSelection, into home: HomeLayout) throws {
        if home.hasIdentity, (try? KeyFiles.load(from: home))?.didKey == identity.didKey {
            if !output.json { print("Keys:       this home already has \(identity.didKey)") }
            return
        }
        if home.hasIdentity {
            let aside = "\(home.keysDirectory).replaced.\(Int(Date().timeIntervalSince1970))"
            guard rename(home.keysDirectory, aside) == 0 else {
                throw OperatorError("cannot move \(home.keysDirectory) to \(aside): \(String(cString: strerror(errno)))")
            }
            if !output.json { print("Moved:      \(home.keysDirectory) → \(aside)") }
        }
        try KeyFiles.write(identity, to: home, force: false)
        if !output.json {
            print("Keys:       \(identity.didKey) from \(selection.reader.layout.sealedKeysKey) into \(home.keysDirectory)")
        }
    }
}
