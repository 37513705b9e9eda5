/// A refusal the operator can act on; ArgumentParser prints it as `Error: <message>`, exit 1.
struct OperatorError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
