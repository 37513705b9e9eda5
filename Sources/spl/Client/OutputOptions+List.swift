import SyncropelKit

extension OutputOptions {
    /// A list answer as the list commands print it: one JSON array with `-o json`, else the
    /// `empty` line when there is nothing, else the table `table` makes of the items.
    func printList(_ items: [JSONValue], empty: String, table: ([JSONValue]) -> TextTable) {
        if json {
            print(JSONValue.array(items).serialized())
        } else if items.isEmpty {
            print(empty)
        } else {
            table(items).print()
        }
    }
}
