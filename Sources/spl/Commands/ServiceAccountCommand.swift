import ArgumentParser
import SyncropelKit
import SyncropelServer

/// `spl service-account create | list | describe | revoke`: who may reach the daemon over TCP.
struct ServiceAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service-account",
        abstract: "Create, list, describe and revoke the service accounts TCP clients authenticate as.",
        discussion: """
            Accounts and their tokens are records on th_service_accounts, signed by the instance key, \
            so they survive backup, restore and replication. These commands talk to the daemon \
            through its unix socket, on the instance's machine only.
            """,
        subcommands: [
            ServiceAccountCreateCommand.self, ServiceAccountListCommand.self, ServiceAccountDescribeCommand.self,
            ServiceAccountRevokeCommand.self,
        ]
    )

    /// `sa_…  name  scopes  actors  created  revoked`.
    static func table(_ accounts: [JSONValue]) -> TextTable {
        TextTable(
            header: ["ID", "NAME", "SCOPES", "ACTORS", "REVOKED"],
            rows: accounts.map { account in
                [
                    account.value(atPath: "id").displayText, account.value(atPath: "name").displayText,
                    joined(account.value(atPath: "scopes")), joined(account.value(atPath: "actors")),
                    account.value(atPath: "revoked_at") == .null ? "no" : "yes",
                ]
            })
    }

    static func joined(_ value: JSONValue?) -> String {
        let items = value?.arrayValue?.compactMap(\.stringValue) ?? []
        return items.isEmpty ? "-" : items.joined(separator: ",")
    }
}

struct ServiceAccountCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a service account; with --with-token, print its first token once.",
        discussion: """
            --scopes is a comma-separated list of records:read, records:write, config:read, \
            config:write, backup, admin (admin grants all). --actors lists the DIDs its requests may \
            claim as a record's actor or in X-Syncropel-Actor; * allows any. --bootstrap creates the \
            first account, an admin that may act as anyone, with a token; it is refused once any \
            account exists. The token is printed to stdout once and never again: save it \
            ('spl token save') or hand it to the client.
            """
    )

    @Option(help: "The account's name (1-64 characters).")
    var name: String

    @Option(help: "Comma-separated scopes (default records:read).")
    var scopes = "records:read"

    @Option(help: "Comma-separated DIDs the account may act as, or * for any (default: none).")
    var actors: String?

    @Flag(help: "Also create a token and print it once.")
    var withToken = false

    @Flag(help: "Create the first account: admin scope, any actor, with a token.")
    var bootstrap = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        do {
            try ServiceAccount.checkName(name)
        } catch {
            throw OperatorError(error.description)
        }
        let answer: JSONValue
        if bootstrap {
            answer = try await DaemonClient.run { try await $0.post(BootstrapRoute.path, body: ["name": .string(name)]) }
            return print(answer, token: answer.value(atPath: "token.token"), account: answer.value(atPath: "service_account"))
        }
        let actorList = actors.map { $0.split(separator: ",").map { String($0) } } ?? []
        do {
            _ = try AuthScope.parseList(scopes)
            try ServiceAccount.checkActors(actorList)
        } catch {
            throw OperatorError(error.description)
        }
        let body: JSONValue = [
            "name": .string(name), "scopes": .array(scopes.split(separator: ",").map { .string(String($0)) }),
            "actors": .array(actorList.map(JSONValue.string)), "with_token": .bool(withToken),
        ]
        answer = try await DaemonClient.run { try await $0.post(AuthAdminRoutes.accounts, body: body) }
        print(answer, token: answer.value(atPath: "token.token"), account: answer)
    }

    private func print(_ answer: JSONValue, token: JSONValue?, account: JSONValue?) {
        if output.json { return Swift.print(answer.serialized()) }
        ServiceAccountCommand.table([account ?? .null]).print()
        if let token = token?.stringValue {
            Swift.print("\nToken (shown once; save it with 'spl token save <token>' or hand it to the client):\n\(token)")
        }
    }
}

struct ServiceAccountListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List service accounts, revoked ones included (never a token's text).")

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let list = try await DaemonClient.run { try await $0.getList(AuthAdminRoutes.accounts) }
        output.printList(list, empty: "no service accounts; create one with 'spl service-account create --name NAME'") {
            ServiceAccountCommand.table($0)
        }
    }
}

struct ServiceAccountDescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show one service account and its tokens (ids and status, never their text).")

    @Argument(help: "The account's id (sa_…).")
    var id: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await DaemonClient.run { try await $0.get(AuthAdminRoutes.accounts + "/" + DaemonClient.percentEncoded(id)) }
        if output.json { return print(answer.serialized()) }
        ServiceAccountCommand.table([answer]).print()
        let tokens = answer.value(atPath: "tokens")?.arrayValue ?? []
        print("")
        if tokens.isEmpty { return print("no tokens; create one with 'spl token create --sa \(id)'") }
        TokenCommand.table(tokens).print()
    }
}

struct ServiceAccountRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a service account: every token of it stops working at once.")

    @Argument(help: "The account's id (sa_…).")
    var id: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let answer = try await DaemonClient.postAction("revoke", on: AuthAdminRoutes.accounts, id: id)
        if output.json { return print(answer.serialized()) }
        print("revoked service account \(id)")
    }
}
