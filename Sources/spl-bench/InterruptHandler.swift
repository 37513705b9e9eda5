import Foundation

/// Ctrl-C or SIGTERM stops every daemon the run started and removes its scratch folder
/// before exiting: a benchmark must never leave daemons behind.
enum InterruptHandler {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install(_ run: BenchRun) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Progress.say("spl-bench: interrupted; stopping daemons")
                run.cleanUp()
                exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
