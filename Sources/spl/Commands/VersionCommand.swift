import ArgumentParser
import SyncropelKit

/// `spl version`: `spl <semver> (<git sha>)`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version of spl.",
        discussion: #"With -o json: {"object":"version","version","commit"}."#)

    @OptionGroup var output: OutputOptions

    func run() {
        if output.json {
            print(JSONValue.object(JSONObject([
                "object": "version", "version": .string(BuildInfo.semver), "commit": .string(gitCommit),
            ])).serialized())
        } else {
            print(BuildInfo.versionLine)
        }
    }
}

enum BuildInfo {
    static let semver = "0.1.0"
    static var versionLine: String { "spl \(semver) (\(gitCommit))" }
}
