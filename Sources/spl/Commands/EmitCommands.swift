import ArgumentParser
import SyncropelKit

/// `spl intend|do|know|learn "text"`: one coordination record, written through the daemon.
///
/// The draft has no clock: over the socket the daemon assigns the thread's next clock and
/// signs the record with the instance key (SPEC 2, custodial).
struct EmitOptions: ParsableArguments {
    @Argument(help: "The text of the record (body.text; body.goal for intend).")
    var text: String

    @Option(help: "The thread to write on (th_ + 64 hex is minted for intend when omitted).")
    var thread: String?

    @Option(help: "The actor DID (default: SPL_ACTOR, else [identity] actor of config.toml).")
    var actor: String?

    @Option(help: "A JSON object to start the body from; the text and --fulfills/--cancels are set on it.")
    var body: String?

    @Option(help: "The id of the INTEND this record fulfils (body.fulfills).")
    var fulfills: String?

    @Option(help: "The id of the INTEND this record cancels (body.cancels).")
    var cancels: String?

    @Option(name: .customLong("parent"), help: "A parent record id; repeat for several.")
    var parents: [String] = []

    @Option(help: "The data type: \(DataType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataType: String = DataType.scalar.rawValue

    @OptionGroup var output: OutputOptions

    /// The envelope to POST, without clock; `thread` is the thread it goes to.
    func draft(act: Act, thread: String) throws -> JSONValue {
        guard let dataType = DataType(rawValue: dataType) else {
            throw OperatorError(
                "--data-type \(dataType) is not a data type; use one of \(DataType.allCases.map(\.rawValue).joined(separator: " "))")
        }
        for id in parents + [fulfills, cancels].compactMap({ $0 }) where RecordID(hex: id) == nil {
            throw OperatorError("\(id) is not a record id: expected 64 lowercase hex characters")
        }
        var object = try startingBody()
        object[act == .intend ? "goal" : "text"] = .string(text)
        if let fulfills { object["fulfills"] = .string(fulfills) }
        if let cancels { object["cancels"] = .string(cancels) }
        let home = try CommandEnvironment.home()
        return .object(JSONObject([
            "act": .string(act.rawValue),
            "actor": .string(try CommandEnvironment.actor(override: actor, home: home)),
            "body": .object(object),
            "data_type": .string(dataType.rawValue),
            "parents": .array(parents.map { .string($0) }),
            "thread": .string(thread),
        ]))
    }

    private func startingBody() throws -> JSONObject {
        guard let body else { return JSONObject() }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(Array(body.utf8))
        } catch {
            throw OperatorError("--body is not JSON: \(error)")
        }
        guard case .object(let object) = parsed else {
            throw OperatorError("--body must be a JSON object, like '{\"kind\":\"x.y.z\"}'")
        }
        return object
    }

    /// Writes the record and prints `✓ <ACT> <id> on <thread> (clock N)`, or the stored record with -o json.
    func emit(_ act: Act, thread: String) async throws {
        let envelope = try draft(act: act, thread: thread)
        let stored = try await DaemonClient.run { try await $0.post("/v1/records", body: envelope) }
        if output.json {
            print(stored.serialized())
        } else {
            let id = stored.value(atPath: "id").displayText
            let clock = stored.value(atPath: "clock").displayText
            print("✓ \(act.rawValue) \(id) on \(thread) (clock \(clock))")
        }
    }

    /// The `--thread` the act needs.
    func requiredThread(for act: Act) throws -> String {
        guard let thread else {
            throw OperatorError("spl \(act.rawValue.lowercased()) needs --thread; a thread is opened with 'spl intend'")
        }
        return thread
    }
}

struct IntendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intend",
        abstract: "Open a thread (or state a goal on one) with an INTEND record.",
        discussion: """
            The text becomes body.goal. Without --thread a new thread id (th_ + 64 hex) is minted \
            and printed. The daemon assigns the clock and signs the record.
            """
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emit(.intend, thread: emit.thread ?? Self.mintThread())
    }

    /// `th_` + 64 random hex characters, the form SPEC 3.1 gives minted thread ids.
    static func mintThread() -> String {
        var generator = SystemRandomNumberGenerator()
        return "th_" + Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

struct DoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "do",
        abstract: "Record work done on a thread with a DO record.",
        discussion: "The text becomes body.text. --fulfills <INTEND id> closes the INTEND it names."
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emit(.do, thread: try emit.requiredThread(for: .do))
    }
}

struct KnowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "know",
        abstract: "State a fact on a thread with a KNOW record.",
        discussion: """
            The text becomes body.text. --fulfills <INTEND id> closes the INTEND it names; a body \
            with "verdict": "accept" or "reject" about a "subject" DID is trust evidence.
            """
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emit(.know, thread: try emit.requiredThread(for: .know))
    }
}

struct LearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Record something learnt on a thread with a LEARN record.",
        discussion: "The text becomes body.text. For engine configuration use 'spl config add-rule'."
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emit(.learn, thread: try emit.requiredThread(for: .learn))
    }
}
