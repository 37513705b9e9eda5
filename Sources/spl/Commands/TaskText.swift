import SyncropelKit

/// How `spl task` prints tasks for people.
enum TaskText {
    /// Goals longer than this are cut in the list.
    static let goalWidth = 40

    static func shortened(_ goal: String) -> String {
        goal.count <= goalWidth ? goal : String(goal.prefix(goalWidth - 3)) + "..."
    }

    /// `SKL-0001  active  high  goal`: one task on one line.
    static func line(_ task: JSONValue) -> String {
        ["alias", "status", "priority", "goal"].map { task.value(atPath: $0).displayText }.joined(separator: "  ")
    }

    /// `spl task show`: the fields, then the history oldest first.
    static func details(_ task: JSONValue) -> [String] {
        func field(_ path: String) -> String { task.value(atPath: path).displayText }
        func list(_ path: String) -> String {
            let items = task.value(atPath: path)?.arrayValue?.map(\.displayText) ?? []
            return items.isEmpty ? "-" : items.joined(separator: ", ")
        }
        var lines = [
            "Task:      \(field("alias")) (\(field("id")))",
            "Goal:      \(field("goal"))",
            "Status:    \(field("status"))",
            "Priority:  \(field("priority"))",
            "Labels:    \(list("labels"))",
            "Assignee:  \(field("assignee"))",
            "Domain:    \(field("domain"))",
            "Criteria:  \(list("criteria"))",
            "Parent:    \(field("parent"))",
            "Creator:   \(field("creator"))",
            "Worker:    \(field("worker"))",
            "Summary:   \(field("summary"))",
            "Reason:    \(field("reason"))",
            "Created:   \(DisplayTime.iso8601(task.value(atPath: "created_at")))",
            "Updated:   \(DisplayTime.iso8601(task.value(atPath: "updated_at")))",
        ]
        let history = task.value(atPath: "history")?.arrayValue ?? []
        lines.append(history.isEmpty ? "History:   -" : "History:")
        let rows = history.map { entry in
            [
                DisplayTime.iso8601(entry.value(atPath: "created_at")), entry.value(atPath: "event").displayText,
                entry.value(atPath: "actor").displayText,
                (entry.value(atPath: "refused")?.stringValue.map { "refused: \($0)" } ?? "→ \(entry.value(atPath: "status").displayText)")
                    + (entry.value(atPath: "text")?.stringValue.map { "  \"\($0)\"" } ?? ""),
            ]
        }
        lines += TextTable(header: ["", "", "", ""], rows: rows).lines.dropFirst().map { "  " + $0 }
        return lines
    }
}

/// A task and its sub-tasks, found through each task's `parent` in the list of every task.
///
/// A task is shown once: a `parent` loop (records from a client that did not check) ends the branch.
struct TaskTree {
    let root: JSONValue
    private let childrenByParent: [String: [JSONValue]]

    init(root: JSONValue, tasks: [JSONValue]) {
        self.root = root
        var children: [String: [JSONValue]] = [:]
        for task in tasks {
            if let parent = task.value(atPath: "parent")?.stringValue { children[parent, default: []].append(task) }
        }
        childrenByParent = children
    }

    /// The root's line, then each descendant under `├─ ` / `└─ ` with `│  ` for deeper levels.
    var lines: [String] {
        var lines = [TaskText.line(root)]
        var seen: Set<String> = [root.value(atPath: "id").displayText]
        appendChildren(of: root, prefix: "", to: &lines, seen: &seen)
        return lines
    }

    private func appendChildren(of task: JSONValue, prefix: String, to lines: inout [String], seen: inout Set<String>) {
        let children = childrenByParent[task.value(atPath: "id").displayText] ?? []
        for (index, child) in children.enumerated() {
            guard seen.insert(child.value(atPath: "id").displayText).inserted else { continue }
            let last = index == children.count - 1
            lines.append(prefix + (last ? "└─ " : "├─ ") + TaskText.line(child))
            appendChildren(of: child, prefix: prefix + (last ? "   " : "│  "), to: &lines, seen: &seen)
        }
    }

    /// The root with a `children` array in every node.
    var jsonValue: JSONValue {
        var seen: Set<String> = [root.value(atPath: "id").displayText]
        return node(root, seen: &seen)
    }

    private func node(_ task: JSONValue, seen: inout Set<String>) -> JSONValue {
        var object = task.objectValue ?? JSONObject()
        var children: [JSONValue] = []
        for child in childrenByParent[task.value(atPath: "id").displayText] ?? [] {
            guard seen.insert(child.value(atPath: "id").displayText).inserted else { continue }
            children.append(node(child, seen: &seen))
        }
        object["children"] = .array(children)
        return .object(object)
    }
}
