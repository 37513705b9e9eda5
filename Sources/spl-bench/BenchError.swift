import Glibc
import SyncropelStore

/// Why a measure could not run. Each description is the one-line message the benchmark
/// prints before exiting non-zero, naming the measure, the path or request, and what came back.
enum BenchError: Error, CustomStringConvertible {
    case splMissing(path: String)
    case wrkMissing
    case spawnFailed(program: String, errno: Int32)
    case commandFailed(command: String, status: Int32, output: String)
    case commandTimedOut(command: String, seconds: Double)
    case connectFailed(address: String, errno: Int32)
    case connectionLost(address: String, detail: String)
    case badAnswer(request: String, detail: String)
    case requestRefused(request: String, status: Int, body: String)
    case logLineMissing(prefix: String, log: String)
    case unexpectedOutput(command: String, detail: String)
    case fileFailed(path: String, detail: String)
    case badPostgresURL(String, underlying: PostgresStoreURLError)
    case postgresFailed(url: String, action: String, underlying: any Error)
    case noTakeover(port: Int, seconds: Double, lastAnswer: String)
    case copyDiffers(source: String, copy: String, detail: String)
    case inMeasure(String, underlying: any Error)

    var description: String {
        switch self {
        case .splMissing(let path):
            "no spl binary at \(path); build it (swift build --product spl) or pass --spl PATH"
        case .wrkMissing:
            "--load wrk: wrk is not on PATH; install it (apt-get install wrk) or leave out --load wrk"
        case .spawnFailed(let program, let errno):
            "cannot start \(program): \(String(cString: strerror(errno)))"
        case .commandFailed(let command, let status, let output):
            "\(command) exited \(status): \(Self.excerpt(output))"
        case .commandTimedOut(let command, let seconds):
            "\(command) still running after \(Int(seconds)) s; killed"
        case .connectFailed(let address, let errno):
            "cannot connect to \(address): \(String(cString: strerror(errno)))"
        case .connectionLost(let address, let detail):
            "connection to \(address) lost: \(detail)"
        case .badAnswer(let request, let detail):
            "\(request): unreadable answer: \(detail)"
        case .requestRefused(let request, let status, let body):
            "\(request) answered \(status): \(Self.excerpt(body))"
        case .logLineMissing(let prefix, let log):
            "no log line starting with \"\(prefix)\" in \(log)"
        case .unexpectedOutput(let command, let detail):
            "\(command): \(detail)"
        case .fileFailed(let path, let detail):
            "\(path): \(detail)"
        case .badPostgresURL(let text, let underlying):
            "--postgres-url \(text): \(underlying)"
        case .postgresFailed(let url, let action, let underlying):
            // PSQLError's description hides the server's message; its debug description has it.
            "\(action) on \(url): \(String(reflecting: underlying))"
        case .noTakeover(let port, let seconds, let lastAnswer):
            "the standby on 127.0.0.1:\(port) accepted no write within \(Int(seconds)) s of the active daemon's SIGKILL; last answer: \(Self.excerpt(lastAnswer))"
        case .copyDiffers(let source, let copy, let detail):
            "\(copy) is not a copy of \(source): \(detail)"
        case .inMeasure(let measure, let underlying):
            "\(measure): \(underlying)"
        }
    }

    /// The first 300 characters on one line, so an error stays one line.
    static func excerpt(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }
}
