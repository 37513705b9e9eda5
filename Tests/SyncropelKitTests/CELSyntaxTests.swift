import Testing

@testable import SyncropelKit

@Suite struct CELSyntaxTests {
    @Test(arguments: [
        "true",
        "record.body.size > 3",
        "record.body.size > 3 && record.act in ['DO', 'KNOW']",
        "!(a || b) ? -x * 2.5e3 : y[0] % 7u",
        "size(record.parents) >= 0x10 && record.actor.startsWith(\"did:sync:agent:\")",
        "{'a': 1, 'b': [1, 2,]}.a == 1",
        "google.protobuf.Timestamp{seconds: 1}",
        "r'raw \\d' + b\"bytes\" + '''triple 'quoted' text'''",
        ".top.level != null // a comment",
    ])
    func validExpressionsParse(_ expression: String) throws {
        try CELSyntax.check(expression)
    }

    @Test(arguments: [
        ("record.body.size >", "at byte 18: expected an operand, found the end"),
        ("a &&& b", "at byte 4: unexpected character '&'"),
        ("(a", "at byte 2: expected ')', found the end"),
        ("a b", "at byte 2: expected an operator or the end, found 'b'"),
        ("'open", "at byte 0: a string that is not closed"),
        ("if x", "at byte 0: 'if' is a reserved word"),
        ("a # b", "at byte 2: unexpected character '#'"),
        ("1e", "at byte 0: an exponent needs digits"),
        ("12abc", "at byte 2: a number cannot run into a name"),
        ("a ? b", "at byte 5: expected ':', found the end"),
        ("f(1,)", "at byte 4: expected an operand, found ')'"),
        ("", "at byte 0: expected an operand, found the end"),
    ])
    func invalidExpressionsNameTheByte(_ expression: String, _ message: String) {
        #expect(throws: CELSyntaxError.self) { try CELSyntax.check(expression) }
        do {
            try CELSyntax.check(expression)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func hostileNestingIsRefusedNotRecursedInto() {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        do {
            try CELSyntax.check(deep)
            Issue.record("\(deep.prefix(10))… parsed")
        } catch {
            #expect(error.description == "at byte 64: nested deeper than 64 levels")
        }
    }
}
