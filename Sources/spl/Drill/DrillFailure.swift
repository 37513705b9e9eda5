/// Why a drill phase failed, in one line the operator can act on.
struct DrillFailure: Error, CustomStringConvertible {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    var description: String { reason }
}
