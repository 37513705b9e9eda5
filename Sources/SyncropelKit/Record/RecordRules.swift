/// The field rules of SPEC 3.1, as reusable checks.
public enum RecordRules {
    public static let maxActorBytes = 512
    public static let maxThreadBytes = 256
    public static let maxParents = 64
    public static let hashedFieldNames: Set<String> = ["act", "actor", "body", "clock", "data_type", "parents", "thread"]
    /// What an ingest request may carry at top level.
    public static let envelopeFieldNames = hashedFieldNames.union(["judged_by", "sig", "signer"])
    /// What export formats add and importers strip.
    public static let exportFieldNames: Set<String> = ["object", "id", "sequence", "created_at"]

    public static let engineConfigThread = "th_engine_config"
    /// The reserved threads (SPEC 3.5): what is written there configures the instance, so
    /// only the local socket writes them, and an import takes only this instance's records.
    public static let reservedThreads: Set<String> = [
        "th_engine_config", "th_actor_registry", "th_federation_pairs", "th_consent", serviceAccountsThread,
    ]
    /// Service accounts and their tokens (`AuthFold`), written only by the daemon under the instance key.
    public static let serviceAccountsThread = "th_service_accounts"

    public static func checkActor(_ actor: String) throws(RecordError) {
        guard actor.hasPrefix("did:") else {
            throw RecordError(.invalidField, field: "actor", "actor must be a DID (did:…)")
        }
        guard actor.utf8.count <= maxActorBytes else {
            throw RecordError(.invalidField, field: "actor", "actor is longer than \(maxActorBytes) bytes")
        }
    }

    public static func checkThread(_ thread: String) throws(RecordError) {
        let bytes = thread.utf8
        guard !bytes.isEmpty, bytes.count <= maxThreadBytes else {
            throw RecordError(.invalidThread, field: "thread", "thread must be 1–\(maxThreadBytes) bytes")
        }
        guard bytes.allSatisfy(isThreadByte) else {
            throw RecordError(.invalidThread, field: "thread", "thread may hold only A-Z a-z 0-9 _ . : -")
        }
    }

    public static func checkClock(_ clock: Int64) throws(RecordError) {
        guard clock >= 0 else {
            throw RecordError(.invalidClock, field: "clock", "clock must be 0 or more")
        }
    }

    private static func isThreadByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// Whether `kind` follows the SDK's `body.kind` grammar: 2–4 dot segments of
    /// `[a-z0-9_-]+`, the first optionally `@`-prefixed, a 4th segment `v<digits>`,
    /// and two segments only for `core` or an `@` scope. ASCII digits only, and no
    /// trailing newline, unlike the Python regexes.
    public static func isValidKind(_ kind: String) -> Bool {
        let segments = kind.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...4).contains(segments.count) else { return false }
        var scope = segments[0]
        let community = scope.hasPrefix("@")
        if community { scope = scope.dropFirst() }
        guard isIdentifier(scope) else { return false }
        if segments.count == 2 && !(community || scope == "core") { return false }
        for (index, segment) in segments.enumerated().dropFirst() {
            if index == 3 {
                guard segment.first == "v", segment.count > 1,
                    segment.dropFirst().utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
                else { return false }
            } else if !isIdentifier(segment) {
                return false
            }
        }
        return true
    }

    private static func isIdentifier(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { b in
                (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            }
    }
}
