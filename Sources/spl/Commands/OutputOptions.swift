import ArgumentParser

/// `-o json` for machine-readable output; text for people by default. Every command takes this
/// one option; where the HTTP API answers the same request, the JSON is that answer.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text, or json (the HTTP API's object where it has one).")
    var format: OutputFormat = .text

    var json: Bool { format == .json }
}
