import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import SyncropelHome
import SyncropelKit
import SyncropelServer
import SyncropelStore

/// `spl backup now [--to FILE]` (SPEC 8.2).
struct BackupNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "now",
        abstract: "Take a consistent backup of the store now.",
        discussion: """
            With a running daemon the daemon takes it while it keeps serving (POST /v1/admin/backup); \
            otherwise spl copies hub.db itself, holding the home lock so no daemon starts meanwhile. \
            The copy is hub.db.<YYYYMMDD-HHMMSS> (UTC) in the instance folder, or FILE; an existing \
            file is never overwritten. With SPL_BACKUP_PASSPHRASE in the environment of whoever takes \
            it (the daemon, or this command), keys.<stamp>.sealed is written beside it.
            """
    )

    @Option(name: .customLong("to"), help: "Write the backup to this file instead of the instance folder.")
    var destination: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let home = try CommandEnvironment.home()
        let destination = destination?.absolutePath
        let answer: JSONValue
        do {
            answer = try await Self.backUpThroughDaemon(home: home, to: destination, showProgress: !output.json)
        } catch DaemonClientError.notRunning {
            answer = try await Self.backUpFile(home: home, to: destination, showProgress: !output.json)
        }
        if let warning = answer.value(atPath: "warning")?.stringValue {
            StandardError.write("warning: \(warning)")
        }
        if output.json {
            print(answer.serialized())
            return
        }
        print("Backup:  \(answer.value(atPath: "path").displayText)")
        print("Size:    \(ByteCount.text(answer.value(atPath: "bytes")?.int64Value ?? 0))")
        print("Records: \(answer.value(atPath: "records").displayText) (highest sequence \(answer.value(atPath: "highest_sequence").displayText))")
        if let keys = answer.value(atPath: "sealed_keys")?.stringValue {
            print("Keys:    \(keys)")
        }
    }

    /// One client for the streamed answer: like `DaemonClient`'s, it does not retry a refused
    /// connection (no daemon means "back up the file", now), and lives as long as the process.
    private static let streamingHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// `POST /v1/admin/backup` with its progress streamed (see `BackupRoutes`); the last line is the answer.
    static func backUpThroughDaemon(home: HomeLayout, to destination: String?, showProgress: Bool) async throws -> JSONValue {
        guard access(home.socketFile, F_OK) == 0 else { throw DaemonClientError.notRunning(home: home.root) }
        var body = JSONObject()
        if let destination { body["to"] = .string(destination) }
        var request = HTTPClientRequest(url: "http+unix://" + DaemonClient.percentEncoded(home.socketFile) + "/v1/admin/backup")
        request.method = .POST
        request.headers.add(name: "User-Agent", value: "spl/\(BuildInfo.semver)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/x-ndjson")
        request.body = .bytes(ByteBuffer(string: JSONValue.object(body).serialized()))
        let name = "POST /v1/admin/backup"
        let storeBytes = Self.storeBytes(home)
        let progress = showProgress ? ProgressReport("backup", unit: .bytes, total: storeBytes) : nil
        defer { progress?.finish() }
        var last: JSONValue?
        do {
            // A backup of a large store takes minutes; the stream shows it is alive.
            let response = try await streamingHTTP.execute(request, timeout: .hours(1))
            var pending: [UInt8] = []
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = try JSONParser.parse(pending[..<end])
                    pending.removeSubrange(...end)
                    if line.value(atPath: "object") == "backup_progress",
                        let copied = line.value(atPath: "copied_pages")?.int64Value,
                        let total = line.value(atPath: "total_pages")?.int64Value, total > 0
                    {
                        progress?.update(done: storeBytes * copied / total)
                    } else {
                        last = line
                    }
                }
            }
            // A refusal before the backup started (503 while starting, 400) is one JSON error, unstreamed.
            if response.status != .ok, !pending.isEmpty { last = try JSONParser.parse(pending) }
        } catch let error as IOError where [ECONNREFUSED, ENOENT, ENOTSOCK].contains(error.errnoCode) {
            throw DaemonClientError.notRunning(home: home.root)
        } catch let error as JSONParseError {
            throw DaemonClientError.malformedAnswer(request: name, status: 200, reason: "a line that is not JSON (\(error))")
        }
        guard let answer = last else {
            throw DaemonClientError.malformedAnswer(request: name, status: 200, reason: "no answer after the progress")
        }
        guard answer.value(atPath: "object") == "backup" else {
            return try DaemonClient.requireSuccess((status: 500, body: answer), request: name)
        }
        return answer
    }

    /// hub.db and its -wal: what a backup copies, for the progress line.
    private static func storeBytes(_ home: HomeLayout) -> Int64 {
        [home.storeFile, home.storeFile + "-wal"].reduce(0) { total, path in
            var info = stat()
            return total + (stat(path, &info) == 0 ? Int64(info.st_size) : 0)
        }
    }

    /// No daemon: copies hub.db under the home lock; answers what the daemon's route would.
    static func backUpFile(home: HomeLayout, to destination: String?, showProgress: Bool) async throws -> JSONValue {
        // Keep the clean-shutdown stamp the lock holds: a backup does not change hub.db, so the
        // next start need not run the full check because of it.
        let stamp = CleanShutdownStamp.load(from: home.lockFile)
        let lock = try HomeLock.acquireWithoutDaemon(home) { owner in
            "\(owner) is starting for \(home.root); run 'spl backup now' again once 'spl status' says ok"
        }
        defer { lock.release(leaving: stamp?.encoded) }
        let store = home.storeFile
        guard case .present(let storeBytes) = home.storeFileState else {
            throw OperatorError("there is no store to back up: \(store) is missing or empty")
        }
        let progress = showProgress ? ProgressReport("backup", unit: .bytes, total: storeBytes) : nil
        let report: @Sendable (StoreBackupProgress) -> Void = { step in
            progress?.update(done: Int64(step.fractionCompleted * Double(storeBytes)))
        }
        defer { progress?.finish() }
        let result: StoreBackupResult
        var sealedKeys: String?
        var warning: String?
        if let destination {
            result = try await StoreBackup.copy(file: store, to: destination, placement: .keepingExisting, progress: report)
        } else {
            let location = try BackupLocation.resolve()
            try PrivateFiles.makeDirectory(location.instanceFolder)
            do {
                let taken = try await TimestampedBackup.take(
                    file: store, into: location.instanceFolder, home: home,
                    passphrase: CommandEnvironment.variables["SPL_BACKUP_PASSPHRASE"], at: Date(), progress: report)
                (result, sealedKeys) = (taken.backup, taken.sealedKeys)
            } catch let error as TimestampedBackupError {
                guard case .keysNotSealed(let backup, _, _) = error else { throw error }
                (result, warning) = (backup, error.description)
            }
        }
        return BackupAnswer(backup: result, sealedKeys: sealedKeys, warning: warning).jsonValue
    }
}
