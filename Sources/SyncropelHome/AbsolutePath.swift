/// Makes a path absolute against a base folder, without touching the disk.
///
/// `.` and empty components are dropped and `..` is applied lexically (as the shell's `cd`
/// does), so the home and backup paths printed in banners and compared in checks have one
/// spelling.
enum AbsolutePath {
    static func make(_ path: String, against base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        var components: [Substring] = []
        for component in joined.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }
}
