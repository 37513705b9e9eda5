/// Columns padded to their widest cell, two spaces apart, for the CLI's list output.
///
/// ```swift
/// TextTable(header: ["ID", "RECORDS"], rows: [["th_a", "3"]]).lines
/// // ["ID    RECORDS", "th_a  3"]
/// ```
struct TextTable {
    let header: [String]
    let rows: [[String]]

    var lines: [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }

    func print() {
        for line in lines { Swift.print(line) }
    }
}
