import Foundation

/// A SPEC 12 budget: how it reads in the table and whether this run met it.
struct Budget {
    let text: String
    let met: Bool

    static func atLeast(_ limit: Double, _ unit: String, value: Double) -> Budget {
        Budget(text: "≥ \(BenchTable.limit(limit)) \(unit)", met: value >= limit)
    }

    static func atMost(_ limit: Double, _ unit: String, value: Double) -> Budget {
        Budget(text: "≤ \(BenchTable.limit(limit)) \(unit)", met: value <= limit)
    }

    /// "≥ 50 % of baseline": the ratio column against `fraction`.
    static func ratioAtLeast(_ fraction: Double, ratio: Double) -> Budget {
        Budget(text: "≥ \(Int(fraction * 100)) % of baseline", met: ratio >= fraction)
    }

    /// "≤ 2× baseline": the ratio column against `multiple`.
    static func ratioAtMost(_ multiple: Double, ratio: Double) -> Budget {
        Budget(text: "≤ \(BenchTable.limit(multiple))× baseline", met: ratio <= multiple)
    }
}

/// One line of the result table.
struct BenchRow {
    let measure: String
    let value: Double
    let unit: String
    var baseline: Double?
    var budget: Budget?
    /// MB, from VmHWM; nil where no daemon is involved.
    var daemonPeakMB: Double?
    var notes: [String] = []
    /// value ÷ baseline unless a measure defines it otherwise.
    var ratio: Double?

    init(
        _ measure: String, value: Double, unit: String, baseline: Double? = nil, ratio: Double? = nil,
        budget: Budget? = nil, daemonPeakMB: Double? = nil, notes: [String] = []
    ) {
        self.measure = measure
        self.value = value
        self.unit = unit
        self.baseline = baseline
        self.ratio = ratio ?? baseline.flatMap { $0 > 0 ? value / $0 : nil }
        self.budget = budget
        self.daemonPeakMB = daemonPeakMB
        self.notes = notes
    }

    var verdict: String {
        guard let budget else { return "—" }
        return budget.met ? "✓" : "✗"
    }
}

/// The result table: GitHub markdown for people, JSON for tools.
enum BenchTable {
    static let columns = ["measure", "value", "unit", "baseline", "ratio", "budget", "verdict", "daemon peak MB", "notes"]

    static func markdown(_ rows: [BenchRow]) -> String {
        var lines = [line(columns), line(columns.map { _ in "---" })]
        for row in rows {
            lines.append(line([
                row.measure, number(row.value), row.unit, row.baseline.map(number) ?? "",
                row.ratio.map { String(format: "%.2f", $0) } ?? "", row.budget?.text ?? "", row.verdict,
                row.daemonPeakMB.map { String(format: "%.0f", $0) } ?? "", row.notes.joined(separator: "; "),
            ]))
        }
        return lines.joined(separator: "\n")
    }

    static func jsonObject(_ rows: [BenchRow]) -> [[String: Any]] {
        rows.map { row in
            [
                "measure": row.measure, "value": row.value.isNaN ? NSNull() : row.value, "unit": row.unit,
                "baseline": row.baseline ?? NSNull(), "ratio": row.ratio ?? NSNull(),
                "budget": row.budget?.text ?? NSNull(), "met": row.budget.map { $0.met } ?? NSNull(),
                "verdict": row.verdict, "daemon_peak_mb": row.daemonPeakMB ?? NSNull(), "notes": row.notes,
            ]
        }
    }

    /// Three significant figures at most, thousands grouped with a space: `12 345`, `87.4`, `3.21`.
    static func number(_ value: Double) -> String {
        // A row that could not be measured (its notes say why) has no value.
        if value.isNaN { return "not measured" }
        let magnitude = abs(value)
        if magnitude >= 100 {
            let whole = String(Int(value.rounded()))
            var grouped = ""
            for (offset, character) in whole.reversed().enumerated() {
                if offset > 0, offset % 3 == 0, character != "-" { grouped.append(" ") }
                grouped.append(character)
            }
            return String(grouped.reversed())
        }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 0.01 || magnitude == 0 { return String(format: "%.2f", value) }
        return String(format: "%.4f", value)
    }

    /// A budget's limit: whole numbers without decimals (`20`, `3 000`), others as `number`.
    static func limit(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 100 ? String(Int(value)) : number(value)
    }

    private static func line(_ cells: [String]) -> String {
        "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
}
