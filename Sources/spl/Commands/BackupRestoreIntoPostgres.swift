import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelStore

extension BackupRestoreCommand {
    /// The PostgreSQL database of the home's `[store] url`, nil when its store is a file.
    static func database(of home: HomeLayout) throws -> PostgresStoreURL? {
        let environment = CommandEnvironment.variables
        let config: HomeConfig
        do {
            config = try HomeConfig.load(from: home.configFile, environment: environment)
        } catch {
            throw OperatorError("\(error)")
        }
        guard let text = config.store.url, PostgresStoreURL.isPostgresURL(text) else { return nil }
        do {
            return try PostgresStoreURL(parsing: text, environment: environment)
        } catch {
            throw OperatorError("[store] url in \(home.configFile): \(error)")
        }
    }

    /// `install` for a home whose store is a PostgreSQL database: the same lines and questions,
    /// then `PostgresRestore` in one transaction (the replaced tables kept in a schema of their own).
    func install(_ backup: String, describedAs source: String, into database: PostgresStoreURL, failedVerification: String?) async throws {
        let store = database.description
        let plan: RestorePlan
        do {
            plan = try await PostgresRestore.plan(backup: backup, into: database)
        } catch {
            throw OperatorError("cannot read \(store): \(error)")
        }
        if !output.json {
            print("Records:    \(Self.describe(plan.current, store)) now → \(Self.describe(plan.backup, backup)) after restore")
            switch plan.lostRecords {
            case let lost? where lost > 0: print("Loses:      \(lost) records that are in \(store) but not in \(source)")
            case nil: print("Loses:      unknown (the current store cannot be read)")
            default: print("Loses:      nothing")
            }
            try confirm(store: store, with: source)
        }
        let progress = output.json ? nil : ProgressReport("restore", unit: .records, total: plan.backup.recordCount)
        let result: PostgresRestoreResult
        do {
            result = try await PostgresRestore.install(backup: backup, into: database, at: Date()) { done, total in
                progress?.update(done: done, total: total)
            }
        } catch {
            progress?.finish()
            throw OperatorError("restore into \(store) failed, nothing was changed: \(error)")
        }
        progress?.finish()
        if output.json {
            let count = { (value: Int64?) in value.map { JSONValue.integer(JSONInteger($0)) } ?? .null }
            print(JSONValue.object(JSONObject([
                "object": "restore", "backup": .string(source), "store": .string(store),
                "failed_verification": failedVerification.map(JSONValue.string) ?? .null,
                "records_before": count(plan.current.recordCount), "records_after": .integer(JSONInteger(result.records)),
                "lost_records": count(plan.lostRecords), "replaced_schema": result.replacedSchema.map(JSONValue.string) ?? .null,
                "assignment_floor": .integer(JSONInteger(result.assignmentFloor)),
            ])).serialized())
            return
        }
        if let schema = result.replacedSchema {
            print("Moved:      the replaced store's tables to schema \(schema) of \(store)")
        }
        print("Restored:   \(source) → \(store), \(result.records) records, every id re-hashed and signature checked")
        print("Numbering:  new sequences and server-assigned clocks start at \(result.assignmentFloor) or above, never reusing a lost record's")
        print("Start the instance with 'spl serve --daemon' (and its standbys, if it has any).")
    }
}
