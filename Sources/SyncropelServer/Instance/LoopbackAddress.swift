/// Addresses only this machine reaches: the bind names and peer addresses the daemon treats as
/// local (a start without TLS there warns about nothing; per-client limits may exempt them).
///
/// One rule for both uses: `localhost`, any `127.x.x.x`, `::1` (bare or bracketed), and an
/// IPv4-mapped `::ffff:127.x.x.x` as a dual-stack socket reports an IPv4 peer.
enum LoopbackAddress {
    static func contains(_ address: String) -> Bool {
        let lowered = address.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]"
            || lowered.hasPrefix("127.") || lowered.hasPrefix("::ffff:127.")
    }
}
