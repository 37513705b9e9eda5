/// What importing a checked snapshot into a store would do, worked out before anything is
/// written, from the records the store already holds on the snapshot's threads.
///
/// A record whose id is stored is already present. A record whose (thread, actor, clock) is
/// taken by another stored record would be refused by the store (409 `DUPLICATE_CLOCK`),
/// so the plan refuses the whole import instead of failing halfway. One such clash is
/// expected and left out: every store opens with its own bootstrap LEARN at clock 0 on
/// `th_engine_config` (SPEC 5.2 step 8), and the source's says which store it opened, not
/// state to carry over.
public struct SnapshotImportPlan: Sendable {
    /// Not stored yet.
    public let toCreate: [ThreadSnapshot.Entry]
    /// Stored already, under the same id.
    public let alreadyPresent: [ThreadSnapshot.Entry]
    /// The source instance's bootstrap record, which the store's own bootstrap displaces.
    public let skipped: [ThreadSnapshot.Entry]

    /// The entries to send, in file order: everything but the skipped ones. Already present
    /// records are sent too, so the store, not this plan, has the last word on what it holds.
    public var toSend: [ThreadSnapshot.Entry] {
        (toCreate + alreadyPresent).sorted { $0.line < $1.line }
    }

    /// Plans `snapshot` against `stored`, the records the store holds on the snapshot's threads.
    public init(snapshot: ThreadSnapshot, stored: [Record]) throws(SnapshotError) {
        let storedIDs = Set(stored.map(\.id))
        var storedByClock: [RecordClockKey: Record] = [:]
        for record in stored { storedByClock[RecordClockKey(record)] = record }
        var toCreate: [ThreadSnapshot.Entry] = []
        var alreadyPresent: [ThreadSnapshot.Entry] = []
        var skipped: [ThreadSnapshot.Entry] = []
        for entry in snapshot.entries {
            if storedIDs.contains(entry.record.id) {
                alreadyPresent.append(entry)
            } else if let holder = storedByClock[RecordClockKey(entry.record)] {
                guard entry.record.isInstanceBootstrap, holder.isInstanceBootstrap else {
                    throw .conflictsWithStore(line: entry.line, id: entry.record.id.hex, storedID: holder.id.hex)
                }
                skipped.append(entry)
            } else {
                toCreate.append(entry)
            }
        }
        self.toCreate = toCreate
        self.alreadyPresent = alreadyPresent
        self.skipped = skipped
    }
}

extension Record {
    /// The LEARN a store's first start writes about itself (SPEC 5.2 step 8).
    public var isInstanceBootstrap: Bool {
        act == .learn && thread == RecordRules.engineConfigThread && actor == "did:sync:system:engine"
            && body["topic"] == "instance_bootstrap"
    }
}
