import Foundation
import Synchronization

/// What a `ProgressReport` counts.
enum ProgressUnit: Sendable {
    case records
    case bytes
}

/// The progress of a long operation (a backup, a verification, a restore) for the operator.
///
/// On a terminal, one line redrawn at most ten times a second: percent, done/total, rate and
/// time left. Otherwise (a pipe, a log file) a plain line once the operation has run for two
/// seconds and then at every further 10 % or every 10 s, so short operations print nothing
/// and scripts are not flooded. Safe to update from any thread.
///
/// ```swift
/// let progress = ProgressReport("backup", unit: .bytes, total: storeBytes)
/// progress.update(done: copiedBytes)      // from the backup's callback
/// progress.finish()                       // clears the line before the result is printed
/// ```
final class ProgressReport: Sendable {
    private struct State {
        var total: Int64?
        var done: Int64 = 0
        var lastDrawn: ContinuousClock.Instant?
        var lastPlainTenth = 0
        var finished = false
    }

    let label: String
    let unit: ProgressUnit
    private let isTerminal: Bool
    private let started = ContinuousClock.now
    private let state: Mutex<State>

    init(_ label: String, unit: ProgressUnit, total: Int64?, isTerminal: Bool = isatty(STDOUT_FILENO) == 1) {
        self.label = label
        self.unit = unit
        self.isTerminal = isTerminal
        state = Mutex(State(total: total))
    }

    /// Sets the total once the operation knows it (a backup learns its page count on its first step).
    func update(done: Int64, total: Int64? = nil) {
        let line: String? = state.withLock { state in
            guard !state.finished else { return nil }
            if let total { state.total = total }
            state.done = done
            let now = ContinuousClock.now
            if isTerminal {
                if let last = state.lastDrawn, now - last < .milliseconds(100) { return nil }
                state.lastDrawn = now
                return "\r\u{1B}[K" + text(state)
            }
            guard now - started >= .seconds(2) else { return nil }
            let tenth = state.total.map { $0 > 0 ? Int(done * 10 / $0) : 10 } ?? 0
            let stale = state.lastDrawn.map { now - $0 >= .seconds(10) } ?? true
            guard tenth > state.lastPlainTenth || stale else { return nil }
            state.lastPlainTenth = tenth
            state.lastDrawn = now
            return text(state) + "\n"
        }
        if let line { Self.write(line) }
    }

    /// Ends the report: clears the redrawn line, then prints `summary` when there is one.
    func finish(_ summary: String? = nil) {
        let wasDrawn = state.withLock { state in
            state.finished = true
            return state.lastDrawn != nil
        }
        if isTerminal && wasDrawn { Self.write("\r\u{1B}[K") }
        if let summary { Self.write(summary + "\n") }
    }

    /// `verify  42%  420 000/1 000 000 records  120 000 records/s  5s left`
    private func text(_ state: State) -> String {
        let elapsed = (ContinuousClock.now - started).components
        let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 0.001)
        let rate = Double(state.done) / seconds
        var parts = [label]
        if let total = state.total, total > 0 {
            parts.append("\(min(100, state.done * 100 / total))%")
            parts.append("\(amount(state.done))/\(amount(total)) \(unitName)")
            if rate > 0 {
                parts.append("\(amount(Int64(rate))) \(unitName)/s")
                parts.append("\(Int((Double(max(total - state.done, 0)) / rate).rounded(.up)))s left")
            }
        } else {
            parts.append("\(amount(state.done)) \(unitName)")
            parts.append("\(amount(Int64(rate))) \(unitName)/s")
        }
        return parts.joined(separator: "  ")
    }

    private var unitName: String { unit == .records ? "records" : "MB" }

    /// Records as counted; bytes in MB (10^6) with one decimal.
    private func amount(_ value: Int64) -> String {
        switch unit {
        case .records: String(value)
        case .bytes: String(format: "%.1f", Double(value) / 1e6)
        }
    }

    /// Through `print`'s buffer, flushed, so progress never overtakes lines printed before it.
    private static func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }
}
