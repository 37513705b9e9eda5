/// Trust evidence per (subject, domain), folded from verdict records (SPEC 9.2).
///
/// Evidence is a KNOW whose `body.verdict` is `accept` (a success) or
/// `reject` (a failure), about `body.subject` (a DID) or, without one, about
/// the actor of the record its `judged_by` names, in `body.domain`
/// (`general` when absent or empty). A verdict on oneself is not evidence;
/// neither is one with a subject that is not a DID or a domain that is not a string.
///
/// The fold keeps counts only; scores depend on the time and are computed by
/// `scores(now:halfLifeDays:)`.
///
/// ```swift
/// var trust = TrustFold()
/// trust.apply(stored) { id in store.actor(of: id) }
/// let rows = trust.scores(now: nowMilliseconds)
/// ```
public struct TrustFold: Sendable, Equatable, Codable {
    /// The highest `sequence` applied; records at or below it are skipped.
    public private(set) var watermark: Int64 = 0
    private var tallies: [Key: Tally] = [:]
    /// Verdicts that name their subject only through `judged_by`, waiting for
    /// the judged record when the resolver did not know it yet: it is settled
    /// when that record is folded, so arrival order does not lose evidence.
    private var waiting: [RecordID: [Verdict]] = [:]

    /// The domain of a verdict that names none.
    public static let defaultDomain = "general"

    public init() {}

    /// Folds one record. `resolveActor` returns the actor of a stored record,
    /// for verdicts that name their subject only through `judged_by`.
    public mutating func apply(_ stored: StoredRecord, resolveActor: (RecordID) -> String?) {
        guard stored.sequence > watermark else { return }
        watermark = stored.sequence
        let record = stored.record
        if let settled = waiting.removeValue(forKey: record.id) {
            for verdict in settled { count(verdict, subject: ExactString(record.actor)) }
        }
        guard record.act == .know, let (verdict, subject) = Verdict.parse(stored) else { return }
        switch subject {
        case .named(let did):
            count(verdict, subject: did)
        case .judged(let id):
            if let actor = resolveActor(id) {
                count(verdict, subject: ExactString(actor))
            } else {
                waiting[id, default: []].append(verdict)
            }
        }
    }

    /// The fold of `records`, in ascending `sequence`.
    public static func fold(_ records: some Sequence<StoredRecord>, resolveActor: (RecordID) -> String?) -> TrustFold {
        var fold = TrustFold()
        for record in records { fold.apply(record, resolveActor: resolveActor) }
        return fold
    }

    /// True when no evidence has been counted.
    public var isEmpty: Bool { tallies.isEmpty }

    /// One row per (subject, domain), sorted by subject then domain (code point order).
    ///
    /// `now` is Unix milliseconds; decay runs over whole days from the newest verdict.
    public func scores(now: Int64, halfLifeDays: Double = TrustScore.defaultHalfLifeDays) -> [TrustRow] {
        tallies.sorted { $0.key < $1.key }.map { key, tally in
            let raw = TrustScore.raw(successes: tally.successes, trials: tally.trials)
            let days = TrustScore.wholeDays(from: tally.newestVerdictAt, to: now)
            return TrustRow(
                subject: key.subject.value, domain: key.domain.value, successes: tally.successes, trials: tally.trials,
                raw: raw, trust: TrustScore.trust(raw: raw, days: days, halfLifeDays: halfLifeDays))
        }
    }

    private mutating func count(_ verdict: Verdict, subject: ExactString) {
        guard subject != verdict.actor else { return }
        tallies[Key(subject: subject, domain: verdict.domain), default: Tally()].add(verdict)
    }

    private struct Key: Sendable, Hashable, Comparable, Codable {
        let subject: ExactString
        let domain: ExactString

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.subject, lhs.domain) < (rhs.subject, rhs.domain)
        }
    }

    private struct Tally: Sendable, Equatable, Codable {
        var successes = 0
        var trials = 0
        /// `created_at` of the newest verdict counted, Unix milliseconds.
        var newestVerdictAt = Int64.min

        mutating func add(_ verdict: Verdict) {
            trials += 1
            if verdict.accepted { successes += 1 }
            newestVerdictAt = max(newestVerdictAt, verdict.createdAt)
        }
    }

    private enum Subject {
        case named(ExactString)
        case judged(RecordID)
    }

    private struct Verdict: Sendable, Equatable, Codable {
        let actor: ExactString
        let domain: ExactString
        let accepted: Bool
        let createdAt: Int64

        /// The verdict a record carries and whom it is about, or nil when it is not evidence.
        static func parse(_ stored: StoredRecord) -> (Verdict, Subject)? {
            let body = stored.record.body
            let accepted: Bool
            switch body["verdict"] {
            case .string("accept")?: accepted = true
            case .string("reject")?: accepted = false
            default: return nil
            }
            let domain: String
            switch body["domain"] {
            case nil, .null?, .string("")?: domain = TrustFold.defaultDomain
            case .string(let named)?: domain = named
            default: return nil
            }
            let subject: Subject
            switch body["subject"] {
            case nil, .null?:
                guard let judged = stored.record.judgedBy else { return nil }
                subject = .judged(judged)
            case .string(let did)? where (try? RecordRules.checkActor(did)) != nil:
                subject = .named(ExactString(did))
            default:
                return nil
            }
            let verdict = Verdict(
                actor: ExactString(stored.record.actor), domain: ExactString(domain), accepted: accepted,
                createdAt: stored.createdAt)
            return (verdict, subject)
        }
    }
}
