import ArgumentParser
import Foundation
import SyncropelHome
import SyncropelKit
import SyncropelServer

/// `spl serve`: runs the instance daemon, or controls the one that runs for this home (SPEC 5.1).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Syncropel instance daemon for this home.",
        discussion: """
            Without flags the daemon runs in the foreground until SIGTERM or Ctrl-C. A home \
            without an identity is created first. The daemon checks the store, backs it up \
            (see 'Backup:' in the banner), and answers HTTP on TCP and on <home>/run/spl.sock.

            Exit codes: 0 clean stop, 1 usage or configuration error, 2 store damaged or \
            missing (do not restart in a loop), 3 home locked by another daemon, 4 port in \
            use, 5 other start-up failure. With --daemon (and for start and restart) -o json prints \
            the daemon's /health object once it is ready instead of its banner; with --stop, as \
            'spl stop -o json'.
            """
    )

    @Flag(help: "Run in this terminal (the default).")
    var foreground = false

    @Flag(help: "Start in the background and return once the daemon is ready.")
    var daemon = false

    @OptionGroup var server: ServerOptions

    @Flag(help: "Stop the daemon of this home (SIGTERM, then SIGKILL after 15 s).")
    var stop = false

    @Flag(help: "Stop the daemon, then start it again in the background.")
    var restart = false

    @Flag(help: "Same as 'spl status'.")
    var status = false

    @Flag(help: "Follow logs/spl.log.")
    var logs = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        let actions = [stop, restart, status, logs, daemon, foreground].filter { $0 }.count
        guard actions <= 1 else {
            throw ValidationError("choose one of --foreground, --daemon, --stop, --restart, --status, --logs")
        }
        // The foreground daemon and --logs print a log, which has no JSON form but its own lines.
        if output.json && !(daemon || stop || restart || status) {
            throw ValidationError("-o json applies to --daemon, --stop, --restart and --status; the log lines (logs/spl.log) are JSON already")
        }
    }

    func run() async throws {
        let home = try CommandEnvironment.home()
        if stop { return try await DaemonCommands.stop(home, json: output.json) }
        if restart { return try await DaemonCommands.restart(home, options: server.options, json: output.json) }
        if status {
            let command = try StatusCommand.parse(output.json ? ["-o", "json"] : [])
            return try await command.run()
        }
        if logs {
            // Written unbuffered, so `spl serve --logs | grep …` sees each line as it arrives.
            return try await LogFileReader.follow(path: home.logFile, lastLines: 20) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
        if daemon { return try await DaemonCommands.start(home, options: server.options, json: output.json) }
        let code = await Daemon(
            home: home, options: server.options, environment: CommandEnvironment.variables, version: BuildInfo.semver
        ).run()
        if code != 0 { throw ExitCode(code) }
    }
}

/// The flags that choose what a daemon serves, shared by `serve`, `start` and `restart`.
struct ServerOptions: ParsableArguments {
    @Option(help: "TCP port (default: [server] port in config.toml, else 9100).")
    var port: Int?

    @Option(help: "Address to bind (default 127.0.0.1). One other machines reach needs TCP authentication on.")
    var host: String?

    @Flag(help: "Bind 127.0.0.1 and authenticate no TCP client (any local process may then read and write); said in a WARN line at every start and in 'spl status'.")
    var insecureLocalhost = false

    @Flag(help: "Keep the store in memory: nothing is written to disk.")
    var memory = false

    @Option(help: "Store to use instead of <home>/hub.db: a file, or postgresql://user[:${VAR}]@host[:port]/database (password from VAR or PGPASSWORD).")
    var store: String?

    @Flag(help: "Start an empty store although this home has an identity and no hub.db.")
    var newStore = false

    var options: ServeOptions {
        ServeOptions(
            host: host, port: port, memory: memory, storePath: store, newStore: newStore, insecureLocalhost: insecureLocalhost)
    }
}

/// `spl start` = `spl serve --daemon`.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start the daemon in the background (same as 'spl serve --daemon').",
        discussion: "With -o json the daemon's /health object is printed once it is ready, instead of its banner.")

    @OptionGroup var server: ServerOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await DaemonCommands.start(try CommandEnvironment.home(), options: server.options, json: output.json)
    }
}

/// `spl stop` = `spl serve --stop`.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the daemon of this home (same as 'spl serve --stop').",
        discussion: """
            With -o json: {"object":"stop","outcome":"not_running"|"stopped"|"killed","pid":N|null}.
            """)

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await DaemonCommands.stop(try CommandEnvironment.home(), json: output.json)
    }
}

/// `spl restart` = `spl serve --restart`.
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Stop the daemon and start it again in the background; it keeps its port unless --port says otherwise.")

    @OptionGroup var server: ServerOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await DaemonCommands.restart(try CommandEnvironment.home(), options: server.options, json: output.json)
    }
}

/// What `serve --daemon|--stop|--restart` and their short forms share.
enum DaemonCommands {
    static func start(_ home: HomeLayout, options: ServeOptions, json: Bool = false) async throws {
        var launcher = DaemonLauncher(home: home, options: options, environment: CommandEnvironment.variables)
        launcher.printsBanner = !json
        let code = await launcher.start()
        if code != 0 { throw ExitCode(code) }
        if json { print(try await DaemonClient.run { try await $0.get("/health") }.serialized()) }
    }

    static func stop(_ home: HomeLayout, json: Bool = false) async throws {
        let outcome = try await DaemonStopper(home: home).stop()
        let line: String
        if json {
            let (name, pid): (String, Int32?) =
                switch outcome {
                case .notRunning: ("not_running", nil)
                case .stopped(let pid): ("stopped", pid)
                case .killed(let pid): ("killed", pid)
                }
            line = JSONValue.object(JSONObject([
                "object": "stop", "outcome": .string(name), "pid": pid.map { .integer(JSONInteger(Int64($0))) } ?? .null,
            ])).serialized()
        } else {
            line =
                switch outcome {
                case .notRunning: "not running"
                case .stopped(let pid): "stopped spl serve (pid \(pid))"
                case .killed(let pid): "spl serve (pid \(pid)) ignored SIGTERM for 15 s and was killed; its next start runs quick_check"
                }
        }
        // Unbuffered, like the banner a restart prints next, so the two stay in order in a pipe.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A restart keeps the address the daemon had unless new flags say otherwise, and keeps
    /// `--insecure-localhost` (whose WARN line the new start prints again): a restart that turned
    /// TCP authentication on would lock out the local clients that ran without tokens.
    static func restart(_ home: HomeLayout, options: ServeOptions, json: Bool = false) async throws {
        var options = options
        if options.host == nil, !options.insecureLocalhost, await authenticationIsOff(home) {
            options.insecureLocalhost = true
        }
        if let running = try? RunInfo.read(from: home.runInfoFile) {
            options.port = options.port ?? running.port
            options.host = options.host ?? running.host
        }
        // With -o json the one object printed is the new daemon's health.
        if json { _ = try await DaemonStopper(home: home).stop() } else { try await stop(home) }
        try await start(home, options: options, json: json)
    }

    /// What the running daemon itself says, over the home's socket (never `SPL_SERVE_URL`);
    /// false when none answers.
    private static func authenticationIsOff(_ home: HomeLayout) async -> Bool {
        let client = DaemonClient(home: home, timeoutSeconds: 5, endpoint: .socket(path: home.socketFile))
        let health = try? await client.get("/health")
        return health?.value(atPath: "tcp_auth")?.stringValue == "off"
    }
}
