import Foundation

/// The trust formula of SPEC 9.2, as pure functions.
///
/// `raw` is the Wilson lower bound (z = 1.96) of the success rate after adding
/// a prior of 7 successes in 10 trials, so a newcomer starts near 0.4 and a
/// few verdicts cannot swing it to an extreme. `trust` lets that score fade
/// towards a neutral 0.47 as the newest verdict ages.
///
/// ```swift
/// let raw = TrustScore.raw(successes: 45, trials: 50)  // 0.7583
/// TrustScore.trust(raw: raw, days: 5)                  // 0.7268
/// ```
///
/// `round4` rounds half away from zero on the value scaled by 10⁴, as a reader
/// of the printed decimals expects: raw 0.7583 after exactly one half-life is
/// 0.61415 and becomes 0.6142. Python's `round(x, 4)` would give 0.6141 there,
/// since it rounds the exact binary value, which lies just below the tie.
public enum TrustScore {
    public static let defaultHalfLifeDays = 30.0
    /// The score that old evidence fades to.
    public static let neutral = 0.47
    public static let millisecondsPerDay: Int64 = 86_400_000

    private static let priorSuccesses = 7.0
    private static let priorTrials = 10.0
    private static let z = 1.96

    /// The rounded Wilson lower bound of `successes` in `trials`, with the prior added.
    public static func raw(successes: Int, trials: Int) -> Double {
        let n = Double(trials) + priorTrials
        let p = (Double(successes) + priorSuccesses) / n
        let z2 = z * z
        let margin = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return round4(clamp((p + z2 / (2 * n) - margin) / (1 + z2 / n)))
    }

    /// How much of a score survives `days` whole days: 1 at 0 days (or a clock
    /// that went backwards), ½ after one half-life. A half-life of zero or less
    /// means evidence counts only on the day it was given.
    public static func decay(days: Int64, halfLifeDays: Double = defaultHalfLifeDays) -> Double {
        guard days > 0 else { return 1 }
        guard halfLifeDays > 0 else { return 0 }
        return exp(-Double(days) * log(2.0) / halfLifeDays)
    }

    /// The rounded score after `days` whole days of decay towards `neutral`.
    public static func trust(raw: Double, days: Int64, halfLifeDays: Double = defaultHalfLifeDays) -> Double {
        let f = decay(days: days, halfLifeDays: halfLifeDays)
        return round4(clamp(raw * f + neutral * (1 - f)))
    }

    /// Whole days (rounded down) from `start` to `end`, both Unix milliseconds.
    public static func wholeDays(from start: Int64, to end: Int64) -> Int64 {
        let (elapsed, overflow) = end.subtractingReportingOverflow(start)
        if overflow { return end > start ? .max : .min }
        let days = elapsed / millisecondsPerDay
        return elapsed < 0 && elapsed % millisecondsPerDay != 0 ? days - 1 : days
    }

    /// Rounds to 4 decimals, halves away from zero.
    public static func round4(_ value: Double) -> Double {
        (value * 10_000).rounded(.toNearestOrAwayFromZero) / 10_000
    }

    private static func clamp(_ value: Double) -> Double {
        min(max(value, 0), 1)
    }
}
