/// A place in a thread's (clock, sequence) order and the way to read from it.
///
/// Its text form is what the HTTP API hands out as `next_cursor` / `prev_cursor`:
/// `n12.345` reads the records after clock 12, sequence 345; `o12.345` the ones before.
public struct ThreadCursor: Sendable, Hashable, LosslessStringConvertible {
    public enum Direction: Sendable, Hashable {
        /// Towards older records (`prev_cursor`).
        case older
        /// Towards newer records (`next_cursor`).
        case newer
    }

    public let direction: Direction
    public let clock: Int64
    public let sequence: Int64

    public init(_ direction: Direction, clock: Int64, sequence: Int64) {
        self.direction = direction
        self.clock = clock
        self.sequence = sequence
    }

    public init?(_ description: String) {
        let direction: Direction
        switch description.first {
        case "o": direction = .older
        case "n": direction = .newer
        default: return nil
        }
        let numbers = description.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 2, let clock = Int64(numbers[0]), let sequence = Int64(numbers[1]) else { return nil }
        self.init(direction, clock: clock, sequence: sequence)
    }

    public var description: String {
        "\(direction == .older ? "o" : "n")\(clock).\(sequence)"
    }
}
