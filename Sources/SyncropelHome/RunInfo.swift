import Foundation

/// run/spl.json: what a running daemon tells other processes about itself.
///
/// `spl serve --daemon` watches `phase` (`checking`, `backup 42%`, `folding`, `ready`)
/// to tell a child that makes progress from one that hangs.
public struct RunInfo: Codable, Sendable, Equatable {
    public var pid: Int32
    public var host: String
    public var port: Int
    /// The unix socket path.
    public var socket: String
    public var version: String
    public var phase: String
    /// Written as ISO-8601 UTC with whole seconds.
    public var startedAt: Date

    public init(pid: Int32, host: String, port: Int, socket: String, version: String, phase: String, startedAt: Date) {
        self.pid = pid
        self.host = host
        self.port = port
        self.socket = socket
        self.version = version
        self.phase = phase
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case pid, host, port, socket, version, phase
        case startedAt = "started_at"
    }

    /// Replaces the file at `path` atomically (mode 0600), so a reader never sees half a file.
    public func write(to path: String) throws(HomeError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data: Data
        do {
            data = try encoder.encode(self)
        } catch {
            // Only a non-finite number fails to encode, and RunInfo has none.
            preconditionFailure("RunInfo encodes: \(error)")
        }
        try PrivateFiles.writeAtomically(Array(data) + [UInt8(ascii: "\n")], to: path)
    }

    /// The run info at `path`, or nil when no daemon has written one.
    ///
    /// Throws `HomeError.malformedRunFile` for a file that is not a RunInfo.
    public static func read(from path: String) throws(HomeError) -> RunInfo? {
        guard let file = try PrivateFiles.contents(of: path) else { return nil }
        let decoder = JSONDecoder()
        // Custom rather than `.iso8601`, whose error carries no coding path to name the field.
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            guard let date = try? Date(container.decode(String.self), strategy: .iso8601) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 time")
            }
            return date
        }
        do {
            return try decoder.decode(RunInfo.self, from: Data(file.bytes))
        } catch {
            throw .malformedRunFile(path: path, reason: RunInfo.reason(error))
        }
    }

    /// A short reason naming the field at fault, instead of DecodingError's debug dump.
    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _)?: return "missing \(key.stringValue)"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case let .dataCorrupted(context)?:
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "not JSON" : "bad value at \(field)"
        default: return "\(error)"
        }
    }
}
