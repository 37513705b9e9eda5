/// Paths inside the fix commands doctor prints, so a path with a space or a quote can be
/// pasted into a shell as it is: anything but plain path characters is single-quoted.
///
/// ```swift
/// ShellWord.quoted("/home/ana/.syncro/keys")   // /home/ana/.syncro/keys
/// ShellWord.quoted("/tmp/my home/hub.db")      // '/tmp/my home/hub.db'
/// ```
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:@,=%".contains($0)) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
