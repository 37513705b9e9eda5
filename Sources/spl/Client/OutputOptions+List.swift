import SyncropelKit
import SyncropelServer

extension OutputOptions {
    /// A list as the list commands print it: with `-o json` the list object the HTTP API answers
    /// (`{"object":"list","data":[…],…}`), else the `empty` line when there is nothing, else the
    /// table `table` makes of the items.
    func printList(_ list: (data: [JSONValue], answer: JSONValue), empty: String, table: ([JSONValue]) -> TextTable) {
        if json {
            print(list.answer.serialized())
        } else if list.data.isEmpty {
            print(empty)
        } else {
            table(list.data).print()
        }
    }

    /// An offline list (no HTTP answer to print) in the same shape.
    func printList(_ items: [JSONValue], empty: String, table: ([JSONValue]) -> TextTable) {
        printList((items, JSONResponse.listObject(items)), empty: empty, table: table)
    }
}
