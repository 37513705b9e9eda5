import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the WAL back into the store file on its own connection and thread, so a
/// commit never waits for a checkpoint.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold:
/// that commit then copies megabytes and waits for two fsyncs before its caller is
/// answered. Here the writer's WAL hook only signals; a PASSIVE checkpoint on a
/// second connection runs beside the next commits (WAL mode allows one writer and
/// one checkpointer at once). If checkpoints ever fall far behind, the writer
/// checkpoints itself, so the WAL stays bounded.
final class WALCheckpointer: Sendable {
    /// WAL frames (pages) after which a background checkpoint is requested: 4 MiB.
    static let requestFrames: Int32 = 1000
    /// WAL frames after which the committing writer checkpoints itself: 64 MiB.
    static let backstopFrames: Int32 = 16384

    private struct State {
        var connection: DatabaseQueue?
        var isScheduled = false
        var isClosed = false
        /// WAL frames the last checkpoint copied; the WAL restarts from frame 0 once all are.
        var checkpointedFrames: Int32 = 0
    }

    private let path: String
    private let queue = DispatchQueue(label: "syncropel.store.checkpoint")
    private let state = Mutex(State())

    init(path: String) {
        self.path = path
    }

    /// Routes the WAL hook of the writing connection here.
    func install(on db: Database) {
        guard let connection = db.sqliteConnection else { return }
        sqlite3_wal_hook(connection, walHook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Waits for a running checkpoint, then closes the checkpoint connection for good.
    func close() {
        let connection = state.withLock { state -> DatabaseQueue? in
            state.isClosed = true
            defer { state.connection = nil }
            return state.connection
        }
        queue.sync {}
        try? connection?.close()
    }

    /// Called by SQLite after each commit with the number of frames now in the WAL.
    ///
    /// Asks for a checkpoint once `requestFrames` new frames have piled up since the last
    /// one, not after every commit past the mark: each checkpoint costs two fsyncs.
    fileprivate func committed(walFrames: Int32) {
        guard walFrames >= Self.requestFrames else { return }
        let schedule = state.withLock { state -> Bool in
            if walFrames < state.checkpointedFrames { state.checkpointedFrames = 0 }
            guard walFrames - state.checkpointedFrames >= Self.requestFrames else { return false }
            guard !state.isClosed, !state.isScheduled else { return false }
            state.isScheduled = true
            return true
        }
        if schedule {
            queue.async { self.checkpoint() }
        }
    }

    private func checkpoint() {
        let connection = state.withLock { state -> DatabaseQueue? in
            state.isScheduled = false
            guard !state.isClosed else { return nil }
            if state.connection == nil {
                state.connection = try? DatabaseQueue(path: path)
            }
            return state.connection
        }
        // A failed or partial checkpoint is retried after a later commit; the data is safe in the WAL.
        guard let result = try? connection?.writeWithoutTransaction({ db in try db.checkpoint(.passive) }) else { return }
        state.withLock { $0.checkpointedFrames = Int32(clamping: result.checkpointedFrameCount) }
    }
}

/// SQLite's WAL hook: a plain C function, with the checkpointer as its context.
private func walHook(
    context: UnsafeMutableRawPointer?, connection: OpaquePointer?, database: UnsafePointer<CChar>?, frames: Int32
) -> Int32 {
    guard let context else { return SQLITE_OK }
    if frames >= WALCheckpointer.backstopFrames {
        sqlite3_wal_checkpoint(connection, database)
        return SQLITE_OK
    }
    Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(walFrames: frames)
    return SQLITE_OK
}
