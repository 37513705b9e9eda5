import Foundation

/// Which shipped segments to merge, and when: level-0 segments (one per sync) into one per
/// 10 minutes, and those into one per hour, so a steady log makes a bounded number of objects.
///
/// Only segments this process wrote are tracked; those found at a restart stay as they are.
struct MergePlan: Sendable {
    struct Part: Sendable, Equatable {
        let key: ReplicaKey
        let first: Int64
        let last: Int64
        let prev: String
        let chain: String
        /// When its oldest records were shipped: a level's window counts from there.
        let writtenAt: Date
    }

    /// How long the parts of each level gather before they are merged into the next.
    static let windows: [TimeInterval] = [600, 3600]

    /// `levels[0]` the per-sync segments, `levels[1]` the 10-minute ones.
    private(set) var levels: [[Part]] = Array(repeating: [], count: windows.count)

    mutating func shipped(_ part: Part) {
        levels[0].append(part)
    }

    /// A new generation: what was tracked belongs to the old one.
    mutating func reset() {
        levels = Array(repeating: [], count: Self.windows.count)
    }

    /// The lowest level whose oldest part has waited out its window, with every part of it.
    func due(now: Date) -> (level: Int, parts: [Part])? {
        for (level, parts) in levels.enumerated() {
            guard let oldest = parts.first, now.timeIntervalSince(oldest.writtenAt) >= Self.windows[level] else { continue }
            return (level, parts)
        }
        return nil
    }

    /// `parts` of `level` are now `merged`, which joins the next level (the last level stays).
    mutating func merged(level: Int, parts: [Part], into merged: Part) {
        levels[level].removeFirst(parts.count)
        if level + 1 < levels.count { levels[level + 1].append(merged) }
    }

    /// A merge that failed: its parts stay in the replica as they are and are no longer tracked.
    mutating func abandon(level: Int, parts: [Part]) {
        levels[level].removeFirst(parts.count)
    }
}
