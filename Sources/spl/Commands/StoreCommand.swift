import ArgumentParser
import Foundation
import SyncropelKit
import SyncropelStore

/// `spl store`: work on record stores directly, without a daemon.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on record stores directly (copy an instance's log between backends).",
        subcommands: [StoreCopyCommand.self]
    )
}

/// `spl store copy --from A --to B`: the log of one store appended, record for record, to another.
struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every record of one store into another, checking ids and signatures.",
        discussion: """
            Moves an instance between backends: each record keeps its sequence, created_at and \
            signature, and is checked (id re-hashed from its canonical bytes, signature verified) \
            before it is written, 10 000 to a transaction. A store is a file path, sqlite:///path \
            or postgresql://user@host:port/database. The destination is created when missing; one \
            that already holds the source's first records is resumed where it ends, so an \
            interrupted copy is finished by running the same command again. Stop the daemons that \
            serve either store first. Exit 0 when the destination holds every record, 1 otherwise. \
            With -o json: {"object":"store_copy","from","to","appended","resumed_at","highest_sequence"}.
            """
    )

    @Option(help: "The store to copy from (it must exist).")
    var from: String

    @Option(help: "The store to copy into (created when missing).")
    var to: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let cwd = FileManager.default.currentDirectoryPath
        let environment = ProcessInfo.processInfo.environment
        let (sourceAddress, destinationAddress): (StoreAddress, StoreAddress)
        do {
            sourceAddress = try StoreAddress(from, currentDirectory: cwd, environment: environment)
            destinationAddress = try StoreAddress(to, currentDirectory: cwd, environment: environment)
        } catch {
            throw OperatorError(error.description)
        }
        guard sourceAddress != destinationAddress else {
            throw OperatorError("--from and --to name the same store \(sourceAddress); copy into another one")
        }
        let source = try await open(sourceAddress, role: .existing, instanceDID: nil)
        let destination: any RecordStore
        do {
            destination = try await open(destinationAddress, role: .creating, instanceDID: try await source.metadata().instanceDID)
        } catch {
            try? await source.close()
            throw error
        }
        let progress = output.json ? nil : ProgressReport("copy", unit: .records, total: nil)
        let result: StoreCopy.Result
        do {
            result = try await StoreCopy(from: source, to: destination).run { step in
                progress?.update(done: step.copied, total: step.total)
            }
            progress?.finish()
            try await destination.close()
            try await source.close()
        } catch {
            progress?.finish()
            try? await destination.close()
            try? await source.close()
            throw OperatorError("store copy stopped: \(error); run the same command again to resume")
        }
        if output.json {
            print(JSONValue.object(JSONObject([
                "object": "store_copy", "from": .string(source.url), "to": .string(destination.url),
                "appended": .integer(JSONInteger(result.appended)), "resumed_at": .integer(JSONInteger(result.resumedAt)),
                "highest_sequence": .integer(JSONInteger(result.highestSequence)),
            ])).serialized())
        } else {
            let resumed = result.resumedAt > 0 ? " (resumed after sequence \(result.resumedAt))" : ""
            print("copied \(result.appended) records from \(source.url) to \(destination.url)\(resumed); "
                + "the destination holds sequences 1 to \(result.highestSequence), every id and signature checked")
        }
    }

    private func open(_ address: StoreAddress, role: StoreAddress.Role, instanceDID: String?) async throws -> any RecordStore {
        do {
            return try await address.open(role: role, createdByVersion: BuildInfo.semver, instanceDID: instanceDID)
        } catch {
            throw OperatorError("cannot open \(address): \(error)")
        }
    }
}
