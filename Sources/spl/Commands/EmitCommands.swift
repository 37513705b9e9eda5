import ArgumentParser
import SyncropelHome
import SyncropelKit

/// `spl intend|do|know|learn "text"`: one coordination record, written through the daemon.
///
/// The draft has no clock: over the socket the daemon assigns the thread's next clock and
/// signs the record with the instance key (SPEC 2, custodial). `spl intend` makes its thread
/// the home's current thread, where `do`, `know` and `learn` write without `--thread`.
struct EmitOptions: ParsableArguments {
    @Argument(help: "The text of the record (body.text; body.goal for intend).")
    var text: String

    @Option(help: "The thread to write on (default: the current thread, the one this home's last 'spl intend' wrote on; intend mints th_ + 64 hex).")
    var thread: String?

    @Option(help: "The actor DID (default: SPL_ACTOR, else [identity] actor of config.toml).")
    var actor: String?

    @Option(help: "A JSON object to start the body from; the text and --fulfills/--cancels are set on it.")
    var body: String?

    @Option(
        defaultAsFlag: IntendReference.opening, parsing: .next,
        help: ArgumentHelp(
            "The id of the INTEND on this thread that this record fulfils (body.fulfills); alone, the thread's opening INTEND.",
            valueName: "intend-id"))
    var fulfills: IntendReference? = nil

    @Option(help: "The id of the INTEND on this thread that this record cancels (body.cancels).")
    var cancels: String?

    @Option(name: .customLong("parent"), help: "A parent record id; repeat for several.")
    var parents: [String] = []

    @Option(help: "The data type: \(DataType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataType: String = DataType.scalar.rawValue

    @OptionGroup var output: OutputOptions

    /// Where the record goes: `--thread`, else the current thread; `isCurrent` when it was not named.
    struct Destination {
        let thread: String
        let isCurrent: Bool
    }

    /// The command line's own checks, before the home or the daemon is asked anything.
    func checkArguments() throws {
        guard DataType(rawValue: dataType) != nil else { throw UsageError.notADataType(dataType) }
        let named = parents + [cancels].compactMap { $0 } + [fulfills].compactMap { $0?.recordID }
        for id in named where RecordID(hex: id) == nil {
            throw UsageError.notARecordID(id)
        }
        _ = try startingBody()
    }

    /// `--thread`, else the thread of this home's last `spl intend`.
    func destination(for act: Act, home: HomeLayout) throws -> Destination {
        if let thread { return Destination(thread: thread, isCurrent: false) }
        guard let current = try CurrentThread.read(home) else { throw UsageError.noThread(act: act) }
        return Destination(thread: current, isCurrent: true)
    }

    /// The envelope to POST, without clock; `fulfills` and `cancels` are resolved ids.
    func draft(act: Act, thread: String, fulfills: String?, home: HomeLayout) throws -> JSONValue {
        var object = try startingBody()
        object[act == .intend ? "goal" : "text"] = .string(text)
        if let fulfills { object["fulfills"] = .string(fulfills) }
        if let cancels { object["cancels"] = .string(cancels) }
        return .object(JSONObject([
            "act": .string(act.rawValue),
            "actor": .string(try CommandEnvironment.actor(override: actor, home: home)),
            "body": .object(object),
            "data_type": .string(dataType),
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
            throw UsageError.bodyNotJSON(reason: "\(error)")
        }
        guard case .object(let object) = parsed else { throw UsageError.bodyNotAnObject }
        return object
    }

    /// Writes the record and prints `✓ <ACT> <id> on <thread> (clock N…)`, or the stored record with -o json.
    ///
    /// `--fulfills` and `--cancels` must name an INTEND of the same thread, checked with the
    /// daemon first: a record that points at nothing would close nothing, silently.
    @discardableResult
    func emit(_ act: Act, to destination: Destination, home: HomeLayout) async throws -> JSONValue {
        let stored = try await DaemonClient.run { client in
            var fulfilled: String?
            if let fulfills { fulfilled = try await client.intend(fulfills, option: "--fulfills", on: destination.thread) }
            if let cancels { _ = try await client.intend(.record(cancels), option: "--cancels", on: destination.thread) }
            let envelope = try draft(act: act, thread: destination.thread, fulfills: fulfilled, home: home)
            return try await client.post("/v1/records", body: envelope)
        }
        if output.json {
            print(stored.serialized())
        } else {
            let id = stored.value(atPath: "id").displayText
            let clock = stored.value(atPath: "clock").displayText
            let current = act == .intend ? "; now the current thread" : destination.isCurrent ? "; the current thread" : ""
            print("✓ \(act.rawValue) \(id) on \(destination.thread) (clock \(clock)\(current))")
        }
        return stored
    }

    /// The whole of `do`, `know` and `learn`: checks, destination, record.
    func emitOnThread(_ act: Act) async throws {
        try checkArguments()
        let home = try CommandEnvironment.home()
        try await emit(act, to: try destination(for: act, home: home), home: home)
    }
}

/// What `--fulfills` names: an INTEND by id, or (the option alone) the thread's opening INTEND.
enum IntendReference: ExpressibleByArgument, CustomStringConvertible {
    case opening
    case record(String)

    init?(argument: String) {
        self = .record(argument)
    }

    var recordID: String? {
        if case .record(let id) = self { return id }
        return nil
    }

    var description: String {
        switch self {
        case .opening: return "the opening INTEND"
        case .record(let id): return id
        }
    }
}

struct IntendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intend",
        abstract: "Open a thread (or state a goal on one) with an INTEND record.",
        discussion: """
            The text becomes body.goal. Without --thread a new thread id (th_ + 64 hex) is minted \
            and printed. The daemon assigns the clock and signs the record. The thread becomes this \
            home's current thread (kept in <home>/current-thread, shown by 'spl status'): 'spl do', \
            'spl know' and 'spl learn' write there when they are given no --thread.
            """
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try emit.checkArguments()
        let home = try CommandEnvironment.home()
        let thread = emit.thread ?? Self.mintThread()
        try await emit.emit(.intend, to: EmitOptions.Destination(thread: thread, isCurrent: false), home: home)
        try CurrentThread.write(thread, home: home)
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
        discussion: """
            The text becomes body.text. Without --thread it goes on the current thread (the last \
            'spl intend'). --fulfills <INTEND id> closes the INTEND it names; --fulfills alone closes \
            the thread's opening INTEND.
            """
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emitOnThread(.do)
    }
}

struct KnowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "know",
        abstract: "State a fact on a thread with a KNOW record.",
        discussion: """
            The text becomes body.text. Without --thread it goes on the current thread (the last \
            'spl intend'). --fulfills <INTEND id> closes the INTEND it names; --fulfills alone closes \
            the thread's opening INTEND. A body with "verdict": "accept" or "reject" about a "subject" DID is trust evidence.
            """
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emitOnThread(.know)
    }
}

struct LearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Record something learnt on a thread with a LEARN record.",
        discussion: """
            The text becomes body.text. Without --thread it goes on the current thread (the last \
            'spl intend'). For engine configuration use 'spl config add-rule'.
            """
    )

    @OptionGroup var emit: EmitOptions

    func run() async throws {
        try await emit.emitOnThread(.learn)
    }
}
