import ArgumentParser
import SyncropelHome
import SyncropelKit

/// `spl token save <token>`: writes `<home>/token` (0600), which the CLI sends over TCP when
/// neither `--token` nor `SPL_TOKEN` is given.
struct TokenSaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Save a token in <home>/token (mode 0600) for the CLI to send over TCP.")

    @Argument(help: "The token, as 'spl token create' printed it.")
    var token: String

    func run() async throws {
        do {
            _ = try TokenText(parsing: token)
        } catch {
            throw OperatorError(error.description)
        }
        let home = try CommandEnvironment.home()
        try PrivateFiles.writeAtomically(Array((token + "\n").utf8), to: home.tokenFile)
        print("saved the token in \(home.tokenFile)")
    }
}

/// `spl token unset`: removes `<home>/token`.
struct TokenUnsetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unset", abstract: "Remove <home>/token.")

    func run() async throws {
        let home = try CommandEnvironment.home()
        guard try PrivateFiles.contents(of: home.tokenFile) != nil else { return print("no token file at \(home.tokenFile)") }
        try PrivateFiles.remove(home.tokenFile)
        print("removed \(home.tokenFile)")
    }
}

/// `spl token show-source`: which of `--token`, `SPL_TOKEN` and `<home>/token` the CLI sends, never the token.
struct TokenShowSourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show-source",
        abstract: "Say where the token the CLI sends over TCP comes from: --token, SPL_TOKEN or <home>/token.")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let home = try CommandEnvironment.home()
        let presented: (token: String, source: String)?
        do {
            presented = try DaemonEndpoint.presentedToken(
                home: home, environment: CommandEnvironment.variables, flag: DaemonClient.tokenFlag.withLock { $0 })
        } catch {
            throw OperatorError(error.description)
        }
        if output.json {
            let answer: JSONValue = ["source": presented.map { .string($0.source) } ?? .null]
            return print(answer.serialized())
        }
        print(presented.map { "token from \($0.source)" } ?? "no token: set --token, SPL_TOKEN or run 'spl token save <token>'")
    }
}
