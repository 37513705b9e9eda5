/// The NDJSON snapshot of one or more threads: a `SnapshotManifest` line, then one record
/// object per line exactly as the HTTP API returns it (`sig` and `signer` kept).
///
/// Reading checks everything before anything is imported: every line parses, every id is
/// recomputed from its envelope, every signature verifies, and the count and the ids'
/// digest match the manifest.
///
/// ```swift
/// let bytes = ThreadSnapshot.encode(manifest: manifest, records: records)
/// let snapshot = try ThreadSnapshot(decoding: bytes)   // throws SnapshotError naming the line
/// ```
public struct ThreadSnapshot: Sendable {
    /// One record line, checked.
    public struct Entry: Sendable {
        /// 1-based line number in the file (the manifest is line 1).
        public let line: Int
        /// The record rebuilt from the line's envelope: its id is recomputed, not read.
        public let record: Record
        /// The line without the export fields (`object`, `id`, `sequence`, `created_at`): what ingest takes.
        public let envelope: JSONValue
    }

    public let manifest: SnapshotManifest
    public let entries: [Entry]

    /// No line of a snapshot spl writes is longer: a record takes at most 2 MiB, and the
    /// manifest names every thread. A reader refuses a longer line before reading on, so a
    /// file with one huge line cannot take the memory of several copies of it.
    public static let maxLineBytes = 16 << 20

    /// The file's bytes: the manifest line, then each record on a line of its own.
    public static func encode(manifest: SnapshotManifest, records: [JSONValue]) -> [UInt8] {
        var bytes = Array(manifest.jsonValue.serialized().utf8)
        bytes.append(UInt8(ascii: "\n"))
        for record in records {
            bytes += record.serialized().utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// Reads and checks a whole snapshot; the first problem found is thrown.
    public init(decoding bytes: [UInt8]) throws(SnapshotError) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        if let long = lines.firstIndex(where: { $0.count > Self.maxLineBytes }) {
            throw .lineTooLong(line: long + 1, limit: Self.maxLineBytes)
        }
        guard let first = lines.first else { throw .empty }
        manifest = try SnapshotManifest(json: Self.parse(first, line: 1))
        let threads = Set(manifest.threads)
        var entries: [Entry] = []
        entries.reserveCapacity(lines.count - 1)
        var lineOfID: [RecordID: Int] = [:]
        var lineOfClock: [RecordClockKey: Int] = [:]
        for (offset, text) in lines.dropFirst().enumerated() {
            let line = offset + 2
            let entry = try Self.entry(Self.parse(text, line: line), line: line)
            let id = entry.record.id
            guard threads.contains(entry.record.thread) else {
                throw .threadNotInManifest(line: line, id: id.hex, thread: entry.record.thread)
            }
            if let firstLine = lineOfID.updateValue(line, forKey: id) {
                throw .duplicateRecord(line: line, id: id.hex, firstLine: firstLine)
            }
            if let otherLine = lineOfClock.updateValue(line, forKey: RecordClockKey(entry.record)) {
                throw .clockClash(line: line, id: id.hex, otherLine: otherLine)
            }
            entries.append(entry)
        }
        guard entries.count == manifest.records else {
            throw .countMismatch(manifest: manifest.records, found: entries.count)
        }
        let digest = SnapshotManifest.idsDigest(entries.map(\.record.id.hex))
        guard digest == manifest.idsSHA256 else {
            throw .digestMismatch(manifest: manifest.idsSHA256, computed: digest)
        }
        self.entries = entries
    }

    private static func parse(_ text: ArraySlice<UInt8>, line: Int) throws(SnapshotError) -> JSONValue {
        guard !text.isEmpty else { throw .notJSON(line: line, reason: "the line is empty") }
        do {
            return try JSONParser.parse(text)
        } catch {
            throw .notJSON(line: line, reason: "\(error)")
        }
    }

    /// Rebuilds the record from the line's envelope and checks it against the id the line carries.
    private static func entry(_ json: JSONValue, line: Int) throws(SnapshotError) -> Entry {
        guard case .object(var object) = json, object["object"] == "record" else {
            throw .notARecord(line: line, reason: "it must be an object with \"object\":\"record\"")
        }
        guard let exported = object["id"]?.stringValue, RecordID.isValid(exported) else {
            throw .notARecord(line: line, reason: "its id must be 64 lowercase hex characters")
        }
        let record: Record
        do throws(RecordError) {
            let draft = try RecordDraft(json: json, stripExportFields: true)
            guard draft.clock != nil else { throw RecordError(.invalidClock, field: "clock", "the record has no clock") }
            record = try draft.record()
        } catch {
            throw .invalidRecord(line: line, id: exported, reason: error.description)
        }
        guard record.id.hex == exported else {
            throw .idMismatch(line: line, id: exported, recomputed: record.id.hex)
        }
        do {
            try record.verifySignature()
        } catch {
            throw .badSignature(line: line, id: exported, reason: error.description)
        }
        for field in RecordRules.exportFieldNames { object[field] = nil }
        return Entry(line: line, record: record, envelope: .object(object))
    }
}
