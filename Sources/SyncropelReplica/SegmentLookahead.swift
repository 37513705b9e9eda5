/// Segments of a generation fetched and decoded ahead of the one a walk is applying, handed out
/// strictly in order: while the store appends one segment's records, the next ones are inflated,
/// parsed, re-hashed and their signatures checked on the other cores (and, on S3, fetched).
///
/// With decoding and appending taking turns, a 1M-record restore took 49 s (a snapshot restore,
/// which checks the same ids and signatures on both cores, 12 s); overlapped, 30 s.
struct SegmentLookahead {
    /// Records decoded ahead at most, beyond the segment being applied (bounds the memory).
    static let maximumRecordsAhead: Int64 = 200_000
    /// Two keep both cores decoding; each may inflate to `Segment.maximumBytes` before a hostile
    /// one is refused, so this also bounds what a crafted replica can make a restore hold.
    static let maximumSegmentsAhead = 2

    private let reader: ReplicaReader
    private let segments: [GenerationListing.SegmentObject]
    private let instance: String
    private let boundaries: Set<Int64>
    private var inFlight: [Int: Task<Segment, any Error>] = [:]
    private var launched = 0

    /// `boundaries`: the sequences each decode records the chain at (see `Segment.decode`).
    init(reader: ReplicaReader, segments: [GenerationListing.SegmentObject], instance: String, boundaries: Set<Int64>) {
        self.reader = reader
        self.segments = segments
        self.instance = instance
        self.boundaries = boundaries
    }

    /// The decoded segment at `index`, which must be the one after the last asked for; its
    /// error, if decoding it failed, is thrown here, so errors surface in segment order.
    mutating func segment(_ index: Int) async throws -> Segment {
        while launched <= index { launch() }
        let task = inFlight.removeValue(forKey: index)!
        var ahead = inFlight.keys.reduce(Int64(0)) { $0 + size(segments[$1]) }
        while launched < segments.count, inFlight.count < Self.maximumSegmentsAhead,
            ahead + size(segments[launched]) <= Self.maximumRecordsAhead || inFlight.isEmpty
        {
            ahead += size(segments[launched])
            launch()
        }
        return try await task.value
    }

    /// Stops the decodes nobody will ask for (a walk that ended early or threw).
    func cancel() {
        for task in inFlight.values { task.cancel() }
    }

    private mutating func launch() {
        let object = segments[launched]
        let (reader, instance, boundaries) = (reader, instance, boundaries)
        inFlight[launched] = Task {
            try Task.checkCancellation()
            return try Segment.decode(
                try await reader.require(object.key), key: object.key, instance: instance, layout: reader.layout,
                chainsAt: boundaries)
        }
        launched += 1
    }

    private func size(_ segment: GenerationListing.SegmentObject) -> Int64 {
        segment.last - segment.first + 1
    }
}
