import Foundation
import Hummingbird
import NIOCore
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// `POST /v1/admin/backup`: a backup taken while the daemon keeps serving (SPEC 8.2 `backup now`).
///
/// Served only on run/spl.sock (`LocalOnlyRoutes`). Body (optional): `{"to": "/absolute/file"}`
/// writes there instead of a timestamped name in the instance folder. Either way an existing
/// file is never overwritten (409
/// `BACKUP_EXISTS`). With `SPL_BACKUP_PASSPHRASE` in the daemon's environment a
/// timestamped backup also gets `keys.<stamp>.sealed` beside it (SPEC 8.4).
///
/// A daemon on an in-memory store (`spl serve --memory`) takes a backup only to `to`: in the
/// instance folder it would pass for a backup of the home's store on disk (409 `IN_MEMORY_STORE`).
///
/// Answer 201: `{"object":"backup","path","bytes","records","highest_sequence","sealed_keys":<path|null>,"warning"?}`;
/// `warning` says the copy was written but the keys could not be sealed.
///
/// With `Accept: application/x-ndjson` the answer is 200 and streamed, one JSON object a line:
/// `{"object":"backup_progress","copied_pages","total_pages"}` as the copy proceeds, then the
/// backup object above or an error object. `spl backup now` asks for it to show progress.
struct BackupRoutes {
    static let progressMediaType = "application/x-ndjson"

    let gate: InstanceGate

    func register(on router: Router<InstanceRequestContext>) {
        router.post("/v1/admin/backup") { request, context in
            let instance = try gate.readyInstance()
            let destination = try await requestedDestination(request, context: context)
            if destination == nil && instance.storeIsInMemory { throw APIError.inMemoryBackup }
            guard request.headers[.accept] == Self.progressMediaType else {
                return JSONResponse.make(try await Self.take(instance, to: destination, progress: nil), status: .created)
            }
            return Self.streamed(instance, to: destination)
        }
    }

    /// Progress lines, then the answer; the backup finishes even when the client leaves.
    private static func streamed(_ instance: Instance, to destination: String?) -> Response {
        let (lines, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(256))
        Task {
            do {
                let answer = try await take(instance, to: destination) { step in
                    continuation.yield([
                        "object": "backup_progress", "copied_pages": .int(step.done), "total_pages": .int(step.total),
                    ])
                }
                continuation.yield(answer)
            } catch let error as APIError {
                continuation.yield(error.jsonValue)
            } catch {
                continuation.yield(APIError(.internalServerError, "BACKUP_FAILED", "\(error)").jsonValue)
            }
            continuation.finish()
        }
        return Response(
            status: .ok, headers: [.contentType: progressMediaType],
            body: ResponseBody { writer in
                for await line in lines {
                    try await writer.write(ByteBuffer(string: line.serialized() + "\n"))
                }
                try await writer.finish(nil)
            })
    }

    /// A timestamped backup in the instance folder, or a backup to `destination`.
    private static func take(
        _ instance: Instance, to destination: String?, progress: (@Sendable (StoreBackupProgress) -> Void)?
    ) async throws -> JSONValue {
        do {
            if let destination {
                let result = try await instance.store.backup(to: destination, placement: .keepingExisting, progress: progress)
                return BackupAnswer(backup: result, sealedKeys: nil, warning: nil).jsonValue
            }
            let folder = try instance.backupRoot.createInstanceFolder(for: instance.identity.didKey)
            let result = try await TimestampedBackup.take(
                store: instance.store, into: folder, home: instance.home,
                passphrase: instance.backupPassphrase, at: Date(), progress: progress)
            return BackupAnswer(backup: result.backup, sealedKeys: result.sealedKeys, warning: nil).jsonValue
        } catch let error as TimestampedBackupError {
            guard case let .keysNotSealed(backup, _, _) = error else { throw error }
            return BackupAnswer(backup: backup, sealedKeys: nil, warning: error.description).jsonValue
        } catch let error as StoreError {
            if case .destinationExists = error { throw APIError(.conflict, "BACKUP_EXISTS", error.description, field: "to") }
            throw APIError(.internalServerError, "BACKUP_FAILED", error.description)
        } catch let error as HomeError {
            throw APIError(.internalServerError, "BACKUP_FAILED", error.description)
        }
    }

    /// The `to` of the body, or nil for a timestamped backup in the instance folder.
    private func requestedDestination(_ request: Request, context: InstanceRequestContext) async throws -> String? {
        let object = try await JSONRequestBody.readOptionalObject(
            request, context: context, fields: ["to"], shape: "{\"to\": \"/absolute/file\"} or empty")
        guard let value = object["to"] else { return nil }
        guard let path = value.stringValue, path.hasPrefix("/") else {
            throw APIError.invalidField("to", "to must be an absolute file path")
        }
        return path
    }
}
