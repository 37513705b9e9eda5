import SyncropelKit

/// `SPL_BOOTSTRAP_TOKEN`: the text of the first admin token, for a daemon started unattended
/// (a container) whose operator cannot run the bootstrap command.
enum BootstrapToken {
    static let variable = "SPL_BOOTSTRAP_TOKEN"

    /// The token the environment names; nil when the variable is unset or empty.
    static func read(_ environment: [String: String]) throws(StartupError) -> TokenText? {
        guard let text = environment[variable], !text.isEmpty else { return nil }
        return try parse(text)
    }

    private static func parse(_ text: String) throws(StartupError) -> TokenText {
        do {
            return try TokenText(parsing: text)
        } catch {
            throw .configuration("\(variable) is not a token: \(error); generate one with: echo spl_prod_sa_$(openssl rand -hex 8)_$(openssl rand -hex 32)")
        }
    }
}
