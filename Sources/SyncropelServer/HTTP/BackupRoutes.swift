import Foundation
import Hummingbird
import SyncropelKit
import SyncropelStore

/// `POST /v1/admin/backup`: a timestamped backup taken while the daemon keeps serving.
struct BackupRoutes {
    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.post("/v1/admin/backup") { _, _ in try await backup() }
    }

    /// A consistent backup taken while the daemon keeps serving (SPEC 8.2 `backup now`).
    private func backup() async throws -> Response {
        let instance = try gate.readyInstance()
        let folder: String
        do {
            folder = try instance.backupRoot.createInstanceFolder(for: instance.identity.didKey)
        } catch {
            throw APIError(.internalServerError, "BACKUP_FAILED", "\(error)")
        }
        let destination = TimestampedBackupName.unusedPath(in: folder, at: Date())
        let result: StoreBackupResult
        do {
            result = try await instance.store.backup(to: destination)
        } catch {
            throw APIError(.internalServerError, "BACKUP_FAILED", error.description)
        }
        return JSONResponse.make([
            "object": "backup", "path": .string(result.path), "bytes": .int(result.bytes),
            "records": .int(result.recordCount), "highest_sequence": .int(result.highestSequence),
        ], status: .created)
    }
}
