import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelStore

/// `spl backup restore FILE [--force] [--yes]` (SPEC 8.2), and `--from-replica NAME|URL`
/// (`BackupRestoreFromReplica.swift`).
struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace this home's store with a backup or a replica (the daemon must be stopped).",
        discussion: """
            Verifies FILE first, then prints how many records the store holds now and after, and \
            how many would be lost, before changing anything. hub.db (and its -wal, -shm) moves to \
            hub.db.replaced.<epoch>; FILE is copied in as hub.db (0600). Start the instance again \
            with 'spl serve --daemon'. Without a terminal to confirm on, pass --yes. With -o json \
            (which needs --yes: a JSON run does not ask) one object is printed at the end: \
            {"object":"restore","backup","store","failed_verification":<reason|null>,"records_before",\
            "records_after","lost_records","replaced_files":[…],"bytes","assignment_floor"}. A restore \
            writes an assignment floor (microseconds since the epoch) into the restored store: new \
            sequences and server-assigned clocks start there, so none a lost record held is reused.

            With --from-replica NAME|URL instead of FILE, the store is rebuilt from a replica: the \
            newest snapshot at or before the target, its hash and records checked, then the segments \
            replayed through their chain up to the target (every id re-hashed, every signature \
            checked), and installed the same way. --sequence N restores exactly the records 1...N; \
            --at TIME (ISO 8601 UTC, e.g. 2026-12-05T08:15:00Z) the records with created_at at or \
            before TIME; --to FILE writes the rebuilt store to FILE and leaves the home alone.

            With --with-keys the instance's keys come back too, from the keys the daemon sealed \
            into the replica under SPL_BACKUP_PASSPHRASE: on a new machine, 'spl backup restore \
            --from-replica URL --with-keys --yes' then 'spl serve --daemon' brings back the whole \
            instance, same DID. The passphrase is read from SPL_BACKUP_PASSPHRASE (and opens an \
            encrypted replica's objects too). A home with another identity is refused unless \
            --replace-keys, which keeps its keys as keys.replaced.<epoch>.

            When the home's [store] url is a PostgreSQL database, the records go into it in one \
            transaction instead: the store's tables move to a schema spl_replaced_<epoch>, every \
            record is re-hashed and its signature checked, and a failure changes nothing. Every \
            daemon on that database (active and standby) must be stopped first.
            """
    )

    @Argument(help: "The backup file to restore.")
    var file: String?

    @Option(name: .customLong("from-replica"), help: "Rebuild the store from this replica (a configured name or a URL).")
    var fromReplica: String?

    @Option(help: "With --from-replica: restore the records with created_at at or before this ISO 8601 UTC time.")
    var at: String?

    @Option(help: "With --from-replica: restore exactly the records 1...N.")
    var sequence: Int64?

    @Option(help: "With --from-replica: write the rebuilt store to this new file instead of the home.")
    var to: String?

    @Flag(help: "With --from-replica: also restore the instance's keys from the replica (needs SPL_BACKUP_PASSPHRASE).")
    var withKeys = false

    @Flag(help: "With --with-keys: replace this home's keys when they are another instance's (kept as keys.replaced.<epoch>).")
    var replaceKeys = false

    @OptionGroup var force: BackupForceOption

    @Flag(help: "Do not ask for confirmation (required without a terminal, and with -o json).")
    var yes = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        switch (file, fromReplica) {
        case (nil, nil): throw ValidationError("give a backup FILE or --from-replica NAME|URL")
        case (_?, _?): throw ValidationError("give a backup FILE or --from-replica, not both")
        case (_?, nil) where at != nil || sequence != nil || to != nil || withKeys:
            throw ValidationError("--at, --sequence, --to and --with-keys go with --from-replica")
        default: break
        }
        if replaceKeys && !withKeys { throw ValidationError("--replace-keys goes with --with-keys") }
        if withKeys && to != nil { throw ValidationError("--with-keys restores into the home; it does not go with --to") }
        if at != nil && sequence != nil { throw ValidationError("give --at or --sequence, not both") }
        if let sequence, sequence < 0 { throw ValidationError("--sequence must be 0 or more, not \(sequence)") }
        if let at, Self.milliseconds(at) == nil {
            throw ValidationError("--at \(at) is not an ISO 8601 UTC time such as 2026-12-05T08:15:00Z or 2026-12-05T08:15:00.250Z")
        }
    }

    func run() async throws {
        if output.json && !yes { throw UsageError.jsonNeedsYes }
        // Said before the verification or the rebuild, which take minutes on a large store.
        guard yes || to != nil || isatty(STDIN_FILENO) == 1 else { throw RestoreRefusal.noTerminal }
        if let fromReplica {
            try await restoreFromReplica(fromReplica)
            return
        }
        let home = try CommandEnvironment.home()
        let backup = (file ?? "").absolutePath
        // Held to the end: a daemon cannot start on the store while it is being replaced.
        let lock = try lockHome(home)
        defer { lock.release() }

        guard FileManager.default.fileExists(atPath: backup) else {
            throw OperatorError("\(backup) does not exist; list the backups with 'spl backup list'")
        }
        let verification =
            output.json
            ? BackupVerifyCommand.check(backup, full: false, progress: nil)
            : BackupVerifyCommand.verify(backup, full: false, showProgress: true)
        if let reason = verification.failure {
            guard force.force else {
                throw OperatorError("\(backup) failed verification (\(reason)); pass --force to restore it anyway")
            }
            if !output.json { print("Restoring anyway (--force).") }
        }
        try await install(backup, describedAs: backup, into: home, failedVerification: verification.failure)
    }

    func lockHome(_ home: HomeLayout) throws -> HomeLock {
        try HomeLock.acquireWithoutDaemon(home) { owner in
            "\(owner) is running for \(home.root); stop it with 'spl stop' before restoring"
        }
    }

    /// Prints what the restore changes, asks, and puts `backup` in place of the home's store (a
    /// file, or the PostgreSQL database of its `[store] url`); `source` names it for the operator
    /// (the file, or the replica it was rebuilt from). With -o json (and so --yes) it prints one
    /// object at the end instead.
    func install(_ backup: String, describedAs source: String, into home: HomeLayout, failedVerification: String? = nil) async throws {
        if let database = try Self.database(of: home) {
            try await install(backup, describedAs: source, into: database, failedVerification: failedVerification)
            return
        }
        let store = home.storeFile
        let plan = StoreRestore.plan(backup: backup, store: store)
        if output.json {
            let result: RestoreResult
            do {
                result = try StoreRestore.install(backup: backup, store: store, at: Date()) { _ in }
            } catch {
                throw OperatorError(error.description)
            }
            let count = { (value: Int64?) in value.map { JSONValue.integer(JSONInteger($0)) } ?? .null }
            print(JSONValue.object(JSONObject([
                "object": "restore", "backup": .string(source), "store": .string(store),
                "failed_verification": failedVerification.map(JSONValue.string) ?? .null,
                "records_before": count(plan.current.recordCount), "records_after": count(plan.backup.recordCount),
                "lost_records": count(plan.lostRecords), "replaced_files": .array(result.replacedFiles.map(JSONValue.string)),
                "bytes": .integer(JSONInteger(result.bytes)),
                "assignment_floor": result.assignmentFloor.map { .integer(JSONInteger($0)) } ?? .null,
            ])).serialized())
            return
        }
        print("Records:    \(Self.describe(plan.current, store)) now → \(Self.describe(plan.backup, backup)) after restore")
        switch plan.lostRecords {
        case let lost? where lost > 0:
            print("Loses:      \(lost) records that are in \(store) but not in \(source)")
        case nil:
            print("Loses:      unknown (the current store cannot be read)")
        default:
            print("Loses:      nothing")
        }
        try confirm(store: store, with: source)

        let result: RestoreResult
        var info = stat()
        let progress = ProgressReport("restore", unit: .bytes, total: stat(backup, &info) == 0 ? Int64(info.st_size) : nil)
        do {
            result = try StoreRestore.install(backup: backup, store: store, at: Date()) { progress.update(done: $0) }
        } catch {
            throw OperatorError(error.description)
        }
        progress.finish()
        for moved in result.replacedFiles {
            print("Moved:      \(moved)")
        }
        print("Restored:   \(source) → \(store), \(ByteCount.text(result.bytes))")
        if let floor = result.assignmentFloor {
            print("Numbering:  new sequences and server-assigned clocks start at \(floor) or above, never reusing a lost record's")
        }
        print("Start the instance with 'spl serve --daemon'.")
    }

    /// Asks on the terminal unless `--yes` (`run` has already refused a restore without either).
    func confirm(store: String, with backup: String) throws {
        guard !yes else { return }
        print("Replace \(store) with \(backup)? [y/N] ", terminator: "")
        fflush(nil)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else {
            throw OperatorError("restore cancelled; nothing was changed")
        }
    }

    /// `120`, `0 (no store)` or `unreadable (<reason>)`.
    static func describe(_ contents: StoreFileContents, _ path: String) -> String {
        switch contents {
        case .missing: "0 (no \(path))"
        case .records(let count): "\(count)"
        case .unreadable(let reason): "unreadable (\(reason))"
        }
    }

    /// Unix milliseconds of an ISO 8601 UTC time, with or without fractional seconds.
    static func milliseconds(_ text: String) -> Int64? {
        guard text.hasSuffix("Z") else { return nil }
        let whole = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = fractional.date(from: text) ?? whole.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

/// Why a restore did not start.
enum RestoreRefusal: Error, CustomStringConvertible {
    /// Neither `--yes` nor a terminal to ask on.
    case noTerminal

    var description: String {
        switch self {
        case .noTerminal: "no terminal to confirm the restore on; pass --yes to restore without asking"
        }
    }
}
