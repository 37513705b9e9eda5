import Foundation
import SyncropelHome
import SyncropelReplica

extension BackupRestoreCommand {
    /// `spl backup restore --from-replica NAME|URL [--at TIME | --sequence N] [--to FILE] [--yes]`.
    func restoreFromReplica(_ nameOrURL: String) async throws {
        let selection = try await ReplicaSelection.resolve(nameOrURL)
        let target: RestoreTarget = if let sequence { .sequence(sequence) } else if let at { .time(Self.milliseconds(at)!) } else { .latest }
        let home = try CommandEnvironment.home()
        let destination = to?.absolutePath
        if let destination, FileManager.default.fileExists(atPath: destination) {
            throw OperatorError("\(destination) already exists and a restore never overwrites a file; choose another name")
        }
        // Without --to the home's store is replaced: no daemon may start while the copy is built.
        let lock = destination == nil ? try lockHome(home) : nil
        defer { lock?.release() }
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
        try install(scratch, describedAs: "\(selection.objects.location) (sequences 1...\(restored.highestSequence))", into: home)
    }
}
