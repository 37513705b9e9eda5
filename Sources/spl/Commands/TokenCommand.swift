import ArgumentParser
import SyncropelKit
import SyncropelServer

/// `spl token create | list | revoke | rotate`, through the unix socket; `save | unset | show-source`
/// for the token this CLI sends over TCP (`SPL_SERVE_URL`).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list, revoke and rotate service tokens; save the one this CLI sends.",
        discussion: """
            A token is spl_prod_<sa id>_<64 hex>. The daemon keeps only its SHA-256, so its text is \
            printed once, by create and rotate, and never by list. Over TCP (SPL_SERVE_URL) the CLI \
            sends --token, else SPL_TOKEN, else <home>/token (0600).
            """,
        subcommands: [
            TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self, TokenRotateCommand.self,
            TokenSaveCommand.self, TokenUnsetCommand.self, TokenShowSourceCommand.self,
        ]
    )

    /// `tok_…  sa_…  status  created`.
    static func table(_ tokens: [JSONValue]) -> TextTable {
        TextTable(
            header: ["ID", "ACCOUNT", "STATUS"],
            rows: tokens.map { token in ["id", "sa_id", "status"].map { token.value(atPath: $0).displayText } })
    }

    /// The answer that carries a new token: its JSON, or the token alone on stdout for a pipe.
    static func printCreated(_ answer: JSONValue, output: OutputOptions) {
        if output.json { return print(answer.serialized()) }
        print(answer.value(atPath: "token").displayText)
    }
}

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a token for a service account and print it once, alone on stdout.")

    @Option(name: .customLong("sa"), help: "The service account's id (sa_…).")
    var account: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await DaemonClient.run { try await $0.post(AuthAdminRoutes.tokens, body: ["sa_id": .string(account)]) }
        TokenCommand.printCreated(answer, output: output)
    }
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List tokens (ids and status, never their text).")

    @Option(name: .customLong("sa"), help: "Only the tokens of this service account.")
    var account: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let path = AuthAdminRoutes.tokens + (account.map { "?sa_id=" + DaemonClient.percentEncoded($0) } ?? "")
        let list = try await DaemonClient.run { try await $0.getList(path) }
        output.printList(list, empty: "no tokens") { TokenCommand.table($0) }
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token: requests carrying it are refused (401) at once.")

    @Argument(help: "The token's id (tok_…), as 'spl token list' shows it.")
    var id: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await DaemonClient.postAction("revoke", on: AuthAdminRoutes.tokens, id: id)
        if output.json { return print(answer.serialized()) }
        print("revoked token \(id)")
    }
}

struct TokenRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace a token: the old one is refused at once, the new one is printed once.")

    @Argument(help: "The token's id (tok_…).")
    var id: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await DaemonClient.postAction("rotate", on: AuthAdminRoutes.tokens, id: id)
        TokenCommand.printCreated(answer, output: output)
    }
}
