import Foundation
import SyncropelHome

/// What every command reads from its environment: the variables and the home they name.
enum CommandEnvironment {
    static var variables: [String: String] { ProcessInfo.processInfo.environment }

    /// The home named by `SYNCROPEL_HOME` (else `$HOME/.syncro`), made absolute once.
    static func home() throws -> HomeLayout {
        try HomeLayout.resolve(environment: variables)
    }
}
