/// One line of `spl trust` and `GET /v1/trust`: the evidence about a subject in a domain and its scores.
public struct TrustRow: Sendable, Equatable {
    public let subject: String
    public let domain: String
    public let successes: Int
    public let trials: Int
    /// The Wilson score of the evidence, before decay.
    public let raw: Double
    /// `raw` decayed towards 0.47 by the age of the newest verdict.
    public let trust: Double
}
