/// The syntax of a CEL expression (the Common Expression Language grammar), checked without
/// evaluating it: a routing rule's `expression` that does not parse can never match, so it is
/// refused where it is written instead of being kept and silently ignored.
///
/// ```swift
/// try CELSyntax.check("record.body.size > 3 && record.act in ['DO', 'KNOW']")   // passes
/// try CELSyntax.check("record.body.size >")   // throws: at byte 18: expected an operand, found the end
/// ```
public enum CELSyntax {
    /// Deeper nesting than this is refused rather than risking the stack on hostile input.
    static let maxDepth = 64

    public static func check(_ expression: String) throws(CELSyntaxError) {
        var lexer = Lexer(Array(expression.utf8))
        var parser = Parser(tokens: try lexer.tokens())
        try parser.expression(depth: 0)
        guard case .end = parser.current.kind else { throw parser.failure("expected an operator or the end") }
    }

    /// CEL's reserved words, which are not identifiers; `in` is also an operator.
    static let reserved: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    ]

    struct Token {
        enum Kind: Equatable {
            case identifier(String)
            case literal
            case symbol(String)
            case end
        }
        let kind: Kind
        let offset: Int

        var text: String {
            switch kind {
            case .identifier(let name): return "'\(name)'"
            case .literal: return "a literal"
            case .symbol(let symbol): return "'\(symbol)'"
            case .end: return "the end"
            }
        }
    }

    struct Lexer {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
        }

        static let symbols = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "?", ":", ".",
                              ",", "(", ")", "[", "]", "{", "}"]

        mutating func tokens() throws(CELSyntaxError) -> [Token] {
            var tokens: [Token] = []
            while true {
                skipSpace()
                guard position < bytes.count else {
                    tokens.append(Token(kind: .end, offset: position))
                    return tokens
                }
                tokens.append(try next())
            }
        }

        private mutating func skipSpace() {
            while position < bytes.count {
                if [0x20, 0x09, 0x0A, 0x0D, 0x0C].contains(bytes[position]) {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
                    while position < bytes.count, bytes[position] != 0x0A { position += 1 }
                } else {
                    return
                }
            }
        }

        private func peek(_ ahead: Int) -> UInt8? {
            position + ahead < bytes.count ? bytes[position + ahead] : nil
        }

        private mutating func next() throws(CELSyntaxError) -> Token {
            let start = position
            let byte = bytes[position]
            if isDigit(byte) || (byte == UInt8(ascii: ".") && peek(1).map(isDigit) == true) {
                try number()
                return Token(kind: .literal, offset: start)
            }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                try string(raw: false)
                return Token(kind: .literal, offset: start)
            }
            if isIdentifierStart(byte) {
                while position < bytes.count, isIdentifierByte(bytes[position]) { position += 1 }
                let word = String(decoding: bytes[start..<position], as: UTF8.self)
                // String and bytes prefixes: r"…", b'…', rb"…", br'…' in either case.
                if position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'"),
                    ["r", "b", "rb", "br"].contains(word.lowercased())
                {
                    try string(raw: word.lowercased().contains("r"))
                    return Token(kind: .literal, offset: start)
                }
                if ["true", "false", "null"].contains(word) { return Token(kind: .literal, offset: start) }
                if word == "in" { return Token(kind: .symbol("in"), offset: start) }
                guard !CELSyntax.reserved.contains(word) else {
                    throw CELSyntaxError(offset: start, message: "'\(word)' is a reserved word")
                }
                return Token(kind: .identifier(word), offset: start)
            }
            for symbol in Self.symbols where bytes[position...].starts(with: symbol.utf8) {
                position += symbol.utf8.count
                return Token(kind: .symbol(symbol), offset: start)
            }
            throw CELSyntaxError(offset: start, message: "unexpected character '\(String(decoding: [byte], as: UTF8.self))'")
        }

        /// Decimal or hex integers with an optional `u`, and floats with a fraction or exponent.
        private mutating func number() throws(CELSyntaxError) {
            let start = position
            if bytes[position] == UInt8(ascii: "0"), let x = peek(1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
                position += 2
                let digits = position
                while position < bytes.count, isHexDigit(bytes[position]) { position += 1 }
                guard position > digits else { throw CELSyntaxError(offset: start, message: "a hex literal needs digits") }
            } else {
                var isFloat = false
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
                if position < bytes.count, bytes[position] == UInt8(ascii: "."), peek(1).map(isDigit) == true {
                    isFloat = true
                    position += 1
                    while position < bytes.count, isDigit(bytes[position]) { position += 1 }
                }
                if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                    isFloat = true
                    position += 1
                    if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                        position += 1
                    }
                    let digits = position
                    while position < bytes.count, isDigit(bytes[position]) { position += 1 }
                    guard position > digits else { throw CELSyntaxError(offset: start, message: "an exponent needs digits") }
                }
                if isFloat { return try checkNumberEnd(start) }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "u") || bytes[position] == UInt8(ascii: "U") {
                position += 1
            }
            try checkNumberEnd(start)
        }

        private func checkNumberEnd(_ start: Int) throws(CELSyntaxError) {
            if position < bytes.count, isIdentifierByte(bytes[position]) {
                throw CELSyntaxError(offset: position, message: "a number cannot run into a name")
            }
        }

        /// A quoted string at `position`: single or triple quotes; escapes are skipped over unless raw.
        private mutating func string(raw: Bool) throws(CELSyntaxError) {
            let start = position
            let quote = bytes[position]
            let triple = peek(1) == quote && peek(2) == quote
            position += triple ? 3 : 1
            while position < bytes.count {
                let byte = bytes[position]
                if byte == quote && (!triple || (peek(1) == quote && peek(2) == quote)) {
                    position += triple ? 3 : 1
                    return
                }
                if !triple && (byte == 0x0A || byte == 0x0D) { break }
                position += (byte == UInt8(ascii: "\\") && !raw) ? 2 : 1
            }
            throw CELSyntaxError(offset: start, message: "a string that is not closed")
        }

        private func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        private func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
        private func isIdentifierStart(_ byte: UInt8) -> Bool {
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_")
        }
        private func isIdentifierByte(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }
    }

    /// Recursive descent over CEL's grammar, one function per precedence level.
    struct Parser {
        let tokens: [Token]
        var index = 0

        var current: Token { tokens[index] }

        func failure(_ expected: String) -> CELSyntaxError {
            CELSyntaxError(offset: current.offset, message: "\(expected), found \(current.text)")
        }

        private mutating func take(_ symbol: String) -> Bool {
            guard current.kind == .symbol(symbol) else { return false }
            index += 1
            return true
        }

        private mutating func expect(_ symbol: String) throws(CELSyntaxError) {
            guard take(symbol) else { throw failure("expected '\(symbol)'") }
        }

        /// Expr = Or ["?" Or ":" Expr]
        mutating func expression(depth: Int) throws(CELSyntaxError) {
            guard depth < CELSyntax.maxDepth else {
                throw CELSyntaxError(offset: current.offset, message: "nested deeper than \(CELSyntax.maxDepth) levels")
            }
            try binary(level: 0, depth: depth)
            if take("?") {
                try binary(level: 0, depth: depth)
                try expect(":")
                try expression(depth: depth + 1)
            }
        }

        /// The binary operators, loosest first.
        static let levels: [[String]] = [["||"], ["&&"], ["<", "<=", ">=", ">", "==", "!=", "in"], ["+", "-"], ["*", "/", "%"]]

        private mutating func binary(level: Int, depth: Int) throws(CELSyntaxError) {
            guard level < Self.levels.count else { return try unary(depth: depth) }
            try binary(level: level + 1, depth: depth)
            while Self.levels[level].contains(where: { take($0) }) {
                try binary(level: level + 1, depth: depth)
            }
        }

        /// Unary = Member | "!"… Member | "-"… Member
        private mutating func unary(depth: Int) throws(CELSyntaxError) {
            while take("!") || take("-") {}
            try primary(depth: depth)
            while true {
                if take(".") {
                    guard case .identifier = current.kind else { throw failure("expected a field name after '.'") }
                    index += 1
                    if take("(") { try list(closing: ")", depth: depth) }
                } else if take("[") {
                    try expression(depth: depth + 1)
                    try expect("]")
                } else if current.kind == .symbol("{"), isMessageName {
                    index += 1
                    try fields(depth: depth)
                } else {
                    return
                }
            }
        }

        /// A `{…}` right after a name (`a.b.Message{…}`) is a message literal.
        private var isMessageName: Bool {
            guard index > 0, case .identifier = tokens[index - 1].kind else { return false }
            return true
        }

        private mutating func primary(depth: Int) throws(CELSyntaxError) {
            _ = take(".")
            switch current.kind {
            case .identifier:
                index += 1
                if take("(") { try list(closing: ")", depth: depth) }
            case .literal:
                index += 1
            case .symbol("("):
                index += 1
                try expression(depth: depth + 1)
                try expect(")")
            case .symbol("["):
                index += 1
                try list(closing: "]", depth: depth)
            case .symbol("{"):
                index += 1
                try entries(depth: depth)
            default:
                throw failure("expected an operand")
            }
        }

        /// `a, b, c` then `closing`; a trailing comma is allowed in lists, not in calls.
        private mutating func list(closing: String, depth: Int) throws(CELSyntaxError) {
            if take(closing) { return }
            repeat {
                if closing == "]", take("]") { return }
                try expression(depth: depth + 1)
            } while take(",")
            try expect(closing)
        }

        /// `{key: value, …}` of a map literal.
        private mutating func entries(depth: Int) throws(CELSyntaxError) {
            if take("}") { return }
            repeat {
                if take("}") { return }
                try expression(depth: depth + 1)
                try expect(":")
                try expression(depth: depth + 1)
            } while take(",")
            try expect("}")
        }

        /// `{field: value, …}` of a message literal.
        private mutating func fields(depth: Int) throws(CELSyntaxError) {
            if take("}") { return }
            repeat {
                if take("}") { return }
                guard case .identifier = current.kind else { throw failure("expected a field name") }
                index += 1
                try expect(":")
                try expression(depth: depth + 1)
            } while take(",")
            try expect("}")
        }
    }
}

/// Where and why a CEL expression does not parse; `offset` counts UTF-8 bytes from 0.
public struct CELSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public var description: String { "at byte \(offset): \(message)" }
}
