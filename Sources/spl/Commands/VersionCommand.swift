import ArgumentParser

/// `spl version`: `spl <semver> (<git sha>)`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of spl.")

    func run() {
        print(BuildInfo.versionLine)
    }
}

enum BuildInfo {
    static let semver = "0.1.0"
    static var versionLine: String { "spl \(semver) (\(gitCommit))" }
}
