import Dispatch
import Synchronization

/// The checking half of a content-address sweep, running beside the thread that reads rows.
///
/// Reading and decoding a chunk takes one core; checking it takes every core. Done in turn,
/// one core idled while each chunk was read. Here the reader hands each chunk in and goes on
/// reading the next, while a serial queue checks the chunks one after another, in the order
/// they came, so findings stay in sequence order. At most `depth` chunks are in hand at once:
/// the reader waits rather than decoding a whole store ahead into memory.
///
/// ```swift
/// let pipeline = SweepPipeline(total: 10_000, progress: nil)
/// pipeline.check(firstChunk)
/// pipeline.check(secondChunk)
/// let report = pipeline.finish()
/// ```
final class SweepPipeline: Sendable {
    /// One chunk being checked and one read ahead keep both halves busy; more would only hold memory.
    static let depth = 2

    private let queue = DispatchQueue(label: "syncropel.sweep.check")
    private let slots = DispatchSemaphore(value: depth)
    private let report = Mutex(SweepReport())
    private let total: Int64
    private let progress: (@Sendable (SweepProgress) -> Void)?

    init(total: Int64, progress: (@Sendable (SweepProgress) -> Void)?) {
        self.total = total
        self.progress = progress
    }

    /// Queues `chunk` behind the chunks handed in before it; waits while `depth` chunks are in hand.
    func check(_ chunk: [SweptRow]) {
        slots.wait()
        queue.async { [self] in
            let checked = ContentAddressSweep.sweep(chunk)
            let done = report.withLock { report in
                report.append(checked)
                return report.recordsChecked
            }
            slots.signal()
            progress?(SweepProgress(done: done, total: total))
        }
    }

    /// Waits for every chunk handed in, then returns what they add up to.
    func finish() -> SweepReport {
        queue.sync {}
        return report.withLock { $0 }
    }
}
