import Foundation
import SyncropelHome

/// A fresh folder under /tmp for one test, removed when the test drops it.
///
/// Tests pass explicit environment dictionaries naming folders in here, so the real
/// HOME and backup root are never touched.
final class ScratchFolder {
    let path: String

    init() {
        var template = Array("/tmp/spl-home-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { buffer in
            guard let made = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed: errno \(errno)") }
            return String(cString: made)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A home inside this folder.
    var home: HomeLayout { HomeLayout(root: path + "/home") }

    /// An environment whose HOME is this folder.
    var environment: [String: String] { ["HOME": path, "USER": "ana"] }

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }
}
