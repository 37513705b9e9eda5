/// What importing a checked snapshot into a store would do, worked out before anything is
/// written, from the records the store already holds on the snapshot's threads.
///
/// A record whose id is stored is already present. A record whose (thread, actor, clock) is
/// taken by another stored record would be refused by the store (409 `DUPLICATE_CLOCK`),
/// so the plan refuses the whole import instead of failing halfway. One such clash is
/// expected and left out: every store opens with its own bootstrap LEARN at clock 0 on
/// `th_engine_config` (SPEC 5.2 step 8), and the source's says which store it opened, not
/// state to carry over.
///
/// A new record for a reserved thread must carry this instance's own signature (the
/// snapshot check has verified every signature present): anyone could write a routing rule
/// or a setting into a file, so such records are refused and listed, never imported.
public struct SnapshotImportPlan: Sendable {
    /// Not stored yet.
    public let toCreate: [ThreadSnapshot.Entry]
    /// Stored already, under the same id.
    public let alreadyPresent: [ThreadSnapshot.Entry]
    /// The source instance's bootstrap record, which the store's own bootstrap displaces.
    public let skipped: [ThreadSnapshot.Entry]
    /// New records for reserved threads without this instance's signature; while there is
    /// one, nothing may be imported.
    public let refused: [SnapshotError]

    /// The entries to send, in file order: everything but the skipped ones. Already present
    /// records are sent too, so the store, not this plan, has the last word on what it holds.
    public var toSend: [ThreadSnapshot.Entry] {
        (toCreate + alreadyPresent).sorted { $0.line < $1.line }
    }

    /// Plans `snapshot` against `stored`, the records the store holds on the snapshot's
    /// threads, for the instance whose signing DID is `instance`.
    public init(snapshot: ThreadSnapshot, stored: [Record], instance: String) throws(SnapshotError) {
        let storedIDs = Set(stored.map(\.id))
        var storedByClock: [RecordClockKey: Record] = [:]
        for record in stored { storedByClock[RecordClockKey(record)] = record }
        var toCreate: [ThreadSnapshot.Entry] = []
        var alreadyPresent: [ThreadSnapshot.Entry] = []
        var skipped: [ThreadSnapshot.Entry] = []
        var refused: [SnapshotError] = []
        for entry in snapshot.entries {
            if storedIDs.contains(entry.record.id) {
                alreadyPresent.append(entry)
            } else if let holder = storedByClock[RecordClockKey(entry.record)] {
                guard entry.record.isInstanceBootstrap, holder.isInstanceBootstrap else {
                    throw .conflictsWithStore(line: entry.line, id: entry.record.id.hex, storedID: holder.id.hex)
                }
                skipped.append(entry)
            } else if RecordRules.reservedThreads.contains(entry.record.thread), entry.record.signature?.signer != instance {
                refused.append(.reservedThreadNotSigned(line: entry.line, id: entry.record.id.hex, thread: entry.record.thread, instance: instance))
            } else {
                toCreate.append(entry)
            }
        }
        self.toCreate = toCreate
        self.alreadyPresent = alreadyPresent
        self.skipped = skipped
        self.refused = refused
    }
}

extension Record {
    /// The LEARN a store's first start writes about itself (SPEC 5.2 step 8).
    public var isInstanceBootstrap: Bool {
        act == .learn && thread == RecordRules.engineConfigThread && actor == "did:sync:system:engine"
            && body["topic"] == "instance_bootstrap"
    }
}
