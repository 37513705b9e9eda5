import ArgumentParser
import Foundation

/// `spl`: the Syncropel command-line tool and local instance daemon.
@main
struct SPL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spl",
        abstract: "Syncropel instance: an append-only log of signed, content-addressed records.",
        discussion: """
            Every command acts on the home named by SYNCROPEL_HOME (default ~/.syncro). Every usage \
            error exits 64; -o json prints what the HTTP API answers for the same request. With \
            SPL_SERVE_URL (http:// or https://host:port) commands reach that daemon over TCP, with \
            the token of --token, SPL_TOKEN or <home>/token (0600), trusting SPL_CA_FILE for HTTPS.
            """,
        version: BuildInfo.versionLine,
        subcommands: [
            VersionCommand.self,
            InitCommand.self,
            IdentityCommand.self,
            RecordCommand.self,
            ServeCommand.self,
            StartCommand.self,
            StopCommand.self,
            RestartCommand.self,
            StatusCommand.self,
            IntendCommand.self,
            DoCommand.self,
            KnowCommand.self,
            LearnCommand.self,
            ThreadCommand.self,
            TrustCommand.self,
            ConfigCommand.self,
            TaskCommand.self,
            BackupCommand.self,
            StoreCommand.self,
            ServiceAccountCommand.self,
            TokenCommand.self,
            DrillCommand.self,
            DoctorCommand.self,
            CompletionCommand.self,
        ]
    )

    /// ArgumentParser's own main, with two additions: an unknown first word is named as an
    /// unknown command (ArgumentParser would list every word as an unexpected argument), and a
    /// `UsageError` thrown while a command runs exits 64 with that command's usage, as the
    /// errors ArgumentParser finds itself do.
    static func main() async {
        let arguments = takingTokenFlag(Array(CommandLine.arguments.dropFirst()))
        if let first = arguments.first, !first.hasPrefix("-"), !commandNames.contains(first) {
            fail(UsageError.unknownCommand(first), usage: ["Commands: " + commandNames.joined(separator: " "), "  See 'spl --help' for what each one does."])
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as UsageError {
            let type = Swift.type(of: command)
            let path = (commandPath(to: type) ?? ["spl"]).joined(separator: " ")
            fail(error, usage: ["Usage: " + usageString(for: type), "  See '\(path) --help' for more information."])
        } catch {
            exit(withError: error)
        }
    }

    /// `--token T` or `--token=T`, anywhere on the line, is for every command that reaches a
    /// daemon over TCP: it is kept for `DaemonClient` and taken off before parsing. A `--token`
    /// with nothing after it stays, for ArgumentParser to refuse.
    static func takingTokenFlag(_ arguments: [String]) -> [String] {
        var remaining: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                remaining += arguments[index...]
                break
            }
            if argument == "--token", index + 1 < arguments.count {
                DaemonClient.tokenFlag.withLock { $0 = arguments[index + 1] }
                index += 2
            } else if argument.hasPrefix("--token=") {
                DaemonClient.tokenFlag.withLock { $0 = String(argument.dropFirst("--token=".count)) }
                index += 1
            } else {
                remaining.append(argument)
                index += 1
            }
        }
        return remaining
    }

    /// The words that name a command at the top level, `help` included.
    static var commandNames: [String] {
        configuration.subcommands.flatMap { [$0._commandName] + $0.configuration.aliases } + ["help"]
    }

    /// `["spl", "backup", "now"]` for `BackupNowCommand`: the words that reach `type`.
    static func commandPath(to type: any ParsableCommand.Type, from root: any ParsableCommand.Type = SPL.self) -> [String]? {
        if ObjectIdentifier(root) == ObjectIdentifier(type) { return [root._commandName] }
        for child in root.configuration.subcommands {
            if let rest = commandPath(to: type, from: child) { return [root._commandName] + rest }
        }
        return nil
    }

    private static func fail(_ error: UsageError, usage: [String]) -> Never {
        StandardError.write((["Error: \(error)"] + usage).joined(separator: "\n"))
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }
}
