import ArgumentParser

/// `spl completion bash|zsh|fish`: the shell completion script ArgumentParser generates from
/// the command tree, so it names every command and option this build has.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the completion script for bash, zsh or fish.",
        discussion: """
            bash: spl completion bash > /etc/bash_completion.d/spl (or source it from ~/.bashrc). \
            zsh: spl completion zsh > "${fpath[1]}/_spl". \
            fish: spl completion fish > ~/.config/fish/completions/spl.fish.
            """
    )

    /// The shells ArgumentParser writes scripts for.
    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        print(SPL.completionScript(for: shell.completionShell))
    }
}
