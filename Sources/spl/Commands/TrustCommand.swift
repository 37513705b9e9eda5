import ArgumentParser
import Foundation
import SyncropelKit

/// `spl trust`: trust scores folded from KNOW verdicts (SPEC 9.2).
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Show trust per actor and domain, folded from KNOW verdicts.",
        discussion: """
            Evidence is a KNOW whose body has "verdict": "accept" (a success) or "reject" about \
            body.subject (else the actor of the judged_by record), in body.domain (default general). \
            TRUST is the Wilson score of the evidence, decayed towards 0.47 by the age of the newest verdict.
            """
    )

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let rows = try await DaemonClient.run { try await $0.getList("/v1/trust") }
        output.printList(rows, empty: "no trust evidence yet") { rows in
            TextTable(
                header: ["ACTOR", "DOMAIN", "SUCCESS", "TOTAL", "TRUST"],
                rows: rows.map { row in
                    ["actor", "domain", "successes", "total"].map { row.value(atPath: $0).displayText }
                        + [Self.fourDecimals(row.value(atPath: "trust"))]
                }
            )
        }
    }

    static func fourDecimals(_ value: JSONValue?) -> String {
        switch value {
        case .double(let number)?: return String(format: "%.4f", number)
        case .integer(let integer)?: return integer.decimal + ".0000"
        default: return value.displayText
        }
    }
}
