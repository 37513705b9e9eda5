import Foundation

/// Milliseconds of a series of requests, and their median: what a probe compares before and
/// during an attack.
public struct LatencySample: Sendable {
    public let milliseconds: [Double]

    public var median: Double {
        let sorted = milliseconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Times `count` calls of `request`, sleeping `pause` seconds before each so the pace is
    /// the same whatever else the caller does in `between` (untimed, before each pause).
    public static func measure(
        _ count: Int, pause: Double, between: () -> Void = {}, _ request: () throws -> Void
    ) throws -> LatencySample {
        var milliseconds: [Double] = []
        milliseconds.reserveCapacity(count)
        for _ in 0..<count {
            between()
            usleep(useconds_t(pause * 1_000_000))
            let start = DispatchTime.now().uptimeNanoseconds
            try request()
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return LatencySample(milliseconds: milliseconds)
    }
}
