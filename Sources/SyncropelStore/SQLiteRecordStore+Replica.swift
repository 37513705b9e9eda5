import Foundation
import GRDB
import SyncropelKit

/// How far one replica has been shipped: persisted in `meta` so a restart resumes there.
public struct ReplicaPosition: Sendable, Equatable {
    /// The generation the shipped records belong to.
    public let generation: String
    /// The highest sequence the replica holds in that generation.
    public let shippedSequence: Int64
    /// The replica chain after `shippedSequence`, lowercase hex.
    public let chain: String

    public init(generation: String, shippedSequence: Int64, chain: String) {
        self.generation = generation
        self.shippedSequence = shippedSequence
        self.chain = chain
    }

    /// The position as `meta` holds it under `replica.<name>`, in either backend.
    var metaValue: String {
        JSONValue.object(JSONObject([
            "generation": .string(generation), "sequence": .integer(JSONInteger(shippedSequence)), "chain": .string(chain),
        ])).serialized()
    }

    /// Reads `metaValue`; nil for anything else.
    init?(metaValue text: String) {
        guard case .object(let object)? = try? JSONParser.parse(Array(text.utf8)),
            let generation = object["generation"]?.stringValue, let sequence = object["sequence"]?.int64Value,
            let chain = object["chain"]?.stringValue
        else { return nil }
        self.init(generation: generation, shippedSequence: sequence, chain: chain)
    }
}

/// Why stored records could not be appended as they are.
public enum VerbatimAppendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The records do not continue the log: the next sequence must be one above the highest.
    case notNext(expected: Int64, found: Int64)
    /// A record with this id or this (thread, actor, clock) is already stored.
    case alreadyStored(sequence: Int64, id: String)

    public var description: String {
        switch self {
        case .notNext(let expected, let found):
            "a record at sequence \(found) cannot follow the log: the next sequence is \(expected)"
        case .alreadyStored(let sequence, let id):
            "record \(id) at sequence \(sequence) clashes with a stored record (same id, or same thread, actor and clock)"
        }
    }
}

extension SQLiteRecordStore {
    private static func positionKey(_ replica: String) -> String { "replica." + replica }

    public func replicaPosition(_ replica: String) async throws -> ReplicaPosition? {
        let key = Self.positionKey(replica)
        let text: String? = try await read { db in try StoreSchema.metaValue(db, key: key) }
        return text.flatMap(ReplicaPosition.init(metaValue:))
    }

    public func saveReplicaPosition(_ replica: String, _ position: ReplicaPosition) async throws {
        let key = Self.positionKey(replica)
        let value = position.metaValue
        try await write { db in
            try db.cachedStatement(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .execute(arguments: [key, value])
        }
    }

    public func dropReplicaPositions() async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM meta WHERE key LIKE 'replica.%'")
        }
    }

    public func appendVerbatim(_ records: [StoredRecord]) async throws {
        guard let last = records.last else { return }
        do {
            let recent = writer.recent
            try await database.writeWithoutTransaction { db in
                // Under the write lock, whether or not the transaction commits: the window then
                // starts above what the store holds.
                defer { recent.restart(above: try? Int64.fetchOne(db, sql: "SELECT coalesce(max(sequence), 0) FROM records")) }
                try db.inTransaction {
                    try Self.insertVerbatim(records, db)
                    return .commit
                }
            }
        } catch let error as VerbatimAppendError {
            throw error
        } catch {
            throw StoreError.from(error, path: path)
        }
        writer.commits.committed(through: last.sequence)
    }

    private static func insertVerbatim(_ records: [StoredRecord], _ db: Database) throws {
        var expected = try Int64.fetchOne(db, sql: "SELECT coalesce(max(sequence), 0) FROM records")! + 1
        // A restored log jumps once, up to its assignment floor; nothing else may leave a gap.
        let floor = try AssignmentFloor.read(db, path: db.description)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO records (sequence, id, thread, actor, clock, act, canonical, judged_by, sig, signer, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO threads (id, record_count, last_clock, updated_at) VALUES (?, 1, ?, ?)
            ON CONFLICT (id) DO UPDATE SET record_count = record_count + 1,
                last_clock = max(last_clock, excluded.last_clock), updated_at = max(updated_at, excluded.updated_at)
            """)
        for stored in records {
            guard stored.sequence == expected || (expected < stored.sequence && stored.sequence <= floor ?? 0) else {
                throw VerbatimAppendError.notNext(expected: expected, found: stored.sequence)
            }
            expected = stored.sequence
            let record = stored.record
            try insert.execute(arguments: [
                stored.sequence, record.id.hex, record.thread, record.actor, record.clock, record.act.rawValue,
                String(decoding: record.canonical, as: UTF8.self), record.judgedBy?.hex,
                record.signature?.sig, record.signature?.signer, stored.createdAt,
            ])
            guard db.changesCount == 1 else {
                throw VerbatimAppendError.alreadyStored(sequence: stored.sequence, id: record.id.hex)
            }
            try upsert.execute(arguments: [record.thread, record.clock, stored.createdAt])
            expected += 1
        }
    }
}
