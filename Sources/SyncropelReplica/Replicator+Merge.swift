import Foundation

extension Replicator {
    /// Merges every level whose window has passed by `now`; a failed merge leaves its parts as they are.
    func mergeDue(now: Date) async {
        while let due = mergePlan.due(now: now) {
            let (level, parts) = due
            guard parts.count > 1 else {
                mergePlan.merged(level: level, parts: parts, into: parts[0])
                continue
            }
            do {
                let (merged, taken) = try await merge(parts)
                mergePlan.merged(level: level, parts: Array(parts.prefix(taken)), into: merged)
                if taken > 1 {
                    logger.info("replica \(settings.name) merged \(taken) segments into \(merged.key)", metadata: ["replica": "\(location)"])
                }
            } catch {
                mergePlan.abandon(level: level, parts: parts)
                logger.warning("replica \(settings.name) could not merge \(parts.count) segments; they stay as they are: \(error)",
                    metadata: ["replica": "\(location)"])
            }
        }
    }

    /// Writes one segment holding the records of the leading parts that fit in
    /// `Replicator.segmentBytes` (their lines as they are), keeping the first part's `prev` and
    /// the last one's `chain`; reads it back and compares before the parts go. Returns the
    /// merged segment and how many parts it took (one part is kept as it is).
    private func merge(_ parts: [MergePlan.Part]) async throws -> (MergePlan.Part, Int) {
        let reader = ReplicaReader(objects: objects, layout: layout)
        var body: [UInt8] = []
        var generation: GenerationID?
        var taken = 0
        for part in parts {
            let (header, lines) = try Segment.split(try await reader.require(part.key), key: part.key, instance: instance, layout: layout)
            guard header.prev == part.prev, header.chain == part.chain else {
                throw ReplicaError.alteredSegment(key: part.key, header: header.chain, computed: part.chain)
            }
            if taken > 0 && body.count + lines.count > Self.segmentBytes { break }
            generation = header.generation
            body += lines
            taken += 1
        }
        let first = parts[0]
        let last = parts[taken - 1]
        guard taken > 1 else { return (first, 1) }
        let header = SegmentHeader(
            instance: instance, generation: generation!, first: first.first, last: last.last,
            count: last.last - first.first + 1, prev: first.prev, chain: last.chain)
        let bytes = try await BlockingWork.run { [body] in try Segment.encode(header: header, body: body) }
        let key = layout.segmentKey(generation!, first: first.first, last: last.last)
        try await objects.put(key, bytes)
        guard try await objects.get(key) == bytes else {
            throw ReplicaError.unreadableObject(key: key, reason: "the merged segment read back differs from what was written")
        }
        for part in parts.prefix(taken) where part.key != key {
            try await objects.delete(part.key)
        }
        let merged = MergePlan.Part(key: key, first: first.first, last: last.last, prev: first.prev, chain: last.chain, writtenAt: first.writtenAt)
        return (merged, taken)
    }
}
