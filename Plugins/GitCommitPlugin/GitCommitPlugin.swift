import Foundation
import PackagePlugin

/// Generates `let gitCommit = "<short sha>"` before every build, so that
/// `spl version` names the commit it was built from.
@main
struct GitCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "GitCommit")
        let script = """
            sha=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo untracked)
            git -C "$1" diff --quiet HEAD 2>/dev/null || sha="$sha-dirty"
            mkdir -p "$2"
            printf 'let gitCommit = "%s"\\n' "$sha" > "$2/GitCommit.swift.new"
            if cmp -s "$2/GitCommit.swift.new" "$2/GitCommit.swift"; then rm "$2/GitCommit.swift.new"; else mv "$2/GitCommit.swift.new" "$2/GitCommit.swift"; fi
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the git commit",
                executable: URL(filePath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path(), output.path()],
                outputFilesDirectory: output
            )
        ]
    }
}
