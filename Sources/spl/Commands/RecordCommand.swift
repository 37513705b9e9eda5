import ArgumentParser
import Foundation
import SyncropelKit

/// `spl record …`: offline tools for single records.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Work with single records.",
        subcommands: [RecordIDCommand.self, RecordShowCommand.self]
    )
}

/// `spl record id`: the canonical JSON and id of an envelope, computed offline.
struct RecordIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Print the canonical JSON and record id of an envelope read from stdin.",
        discussion: """
            The envelope is checked as the daemon checks it at ingest (it must carry a clock). \
            Export fields (object, id, sequence, created_at) are ignored, so an exported record \
            can be re-addressed. With --lines, every input line is one envelope and every output \
            line one JSON result: {"canonical":…,"id":…} or {"error":…}.
            """
    )

    @OptionGroup var output: OutputOptions

    @Flag(help: "One envelope per input line, one JSON result per output line.")
    var lines = false

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        if lines {
            var out: [UInt8] = []
            out.reserveCapacity(input.count * 2)
            for line in input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLastIfEmpty() {
                let result: JSONValue
                switch Self.address(Array(line)) {
                case .success(let record):
                    result = ["canonical": .string(String(decoding: record.canonical, as: UTF8.self)), "id": .string(record.id.hex)]
                case .failure(let error):
                    result = ["error": .string(error.message)]
                }
                out += try CanonicalJSON.encode(result)
                out.append(UInt8(ascii: "\n"))
            }
            FileHandle.standardOutput.write(Data(out))
            return
        }
        let record = try Self.address(Array(input)).get()
        let canonical = String(decoding: record.canonical, as: UTF8.self)
        if output.json {
            print(try CanonicalJSON.string(["canonical": .string(canonical), "id": .string(record.id.hex)]))
        } else {
            print(canonical)
            print(record.id.hex)
        }
    }

    /// Why an envelope has no id, as one line.
    struct Refusal: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func address(_ bytes: [UInt8]) -> Result<Record, Refusal> {
        do {
            let draft = try RecordDraft(json: try JSONParser.parse(bytes), stripExportFields: true)
            guard draft.clock != nil else {
                return .failure(Refusal(message: "INVALID_CLOCK: the envelope has no clock, so it has no id yet"))
            }
            return .success(try draft.record())
        } catch let error as JSONParseError {
            return .failure(Refusal(message: "INVALID_JSON: \(error)"))
        } catch {
            return .failure(Refusal(message: "\(error)"))
        }
    }
}

/// `spl record show`: one stored record, from the daemon.
struct RecordShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one stored record by its id.",
        discussion: "Asks the daemon (GET /v1/records/<id>); with -o json the record object is printed as stored."
    )

    @Argument(help: "The record id (64 lowercase hex characters).")
    var id: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard RecordID(hex: id) != nil else { throw UsageError.notARecordID(id) }
        let record: JSONValue
        do {
            record = try await DaemonClient.run { try await $0.get("/v1/records/\(id)") }
        } catch let error as DaemonClientError where error.isRefusal(status: 404, code: "NOT_FOUND") {
            throw OperatorError("no record \(id) in this store")
        }
        if output.json {
            print(record.serialized())
            return
        }
        var lines = ["id", "act", "actor", "thread", "clock", "data_type", "parents", "judged_by", "sequence"].map {
            ($0, record.value(atPath: $0).displayText)
        }
        lines.append(("created_at", DisplayTime.iso8601(record.value(atPath: "created_at"))))
        if let signer = record.value(atPath: "signer")?.stringValue { lines.append(("signer", signer)) }
        lines.append(("body", record.value(atPath: "body").displayText))
        for (label, value) in lines {
            print((label + ":").padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
    }
}

extension Array where Element == Data.SubSequence {
    /// A final newline ends the last line; it does not start an empty one.
    fileprivate func dropLastIfEmpty() -> ArraySlice<Element> {
        last?.isEmpty == true ? dropLast() : self[...]
    }
}
