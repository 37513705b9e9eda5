import Foundation
import SyncropelKit

/// The `spl` under test: where it was built, what it says it is, and the private copy
/// every command runs, so a rebuild of the build folder mid-run cannot change what is timed.
struct SPLBinary {
    /// The path given or found beside spl-bench; the table header names it.
    let originalPath: String
    /// The copy in the scratch folder that every child process runs.
    let path: String
    /// `spl --version`, e.g. `spl 0.1.0 (13e0a1af6375)`.
    let version: String

    /// `release` or `debug`, from the build folder the binary came from.
    var build: String {
        let parts = originalPath.split(separator: "/")
        if parts.contains("release") { return "release" }
        if parts.contains("debug") { return "debug" }
        return "unknown build"
    }

    /// The `spl` beside the running spl-bench executable (resolved from /proc/self/exe).
    static func besideBenchmark() -> String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("spl").path
    }

    /// Copies `source` into `folder` (waiting up to 10 s if it is missing, since a rebuild
    /// replaces it) and asks it for its version.
    static func prepare(_ source: String, into folder: String) throws -> SPLBinary {
        let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
        let copy = folder + "/spl"
        var waited = 0
        while !FileManager.default.isExecutableFile(atPath: absolute) {
            guard waited < 10 else { throw BenchError.splMissing(path: absolute) }
            if waited == 0 { Progress.say("waiting for \(absolute) to appear (a rebuild may be replacing it)") }
            sleep(1)
            waited += 1
        }
        do {
            try FileManager.default.copyItem(atPath: absolute, toPath: copy)
        } catch {
            throw BenchError.fileFailed(path: absolute, detail: "cannot copy to \(copy): \(error.localizedDescription)")
        }
        let versionRun = try ChildProcess(executable: copy, arguments: ["--version"], environment: ScratchEnvironment.base())
            .runChecked(scratch: folder, timeout: 30)
        return SPLBinary(
            originalPath: absolute, path: copy, version: versionRun.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// The environment of every `spl` child: the parent's, minus anything that could point
/// it at a real home or backup root (`SPL_*`, `SYNCROPEL_*`), plus a scratch `HOME`
/// (the backup root follows it) and `SYNCROPEL_HOME`.
enum ScratchEnvironment {
    /// The admin token every scratch daemon mints at its first start (`SPL_BOOTSTRAP_TOKEN`),
    /// new each run; the load client sends it, as an authenticated client does.
    static let token = TokenText.mint(for: .random()).text

    static func base() -> [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("SPL_") && !key.hasPrefix("SYNCROPEL_")
        }
    }

    static func make(userHome: String, home: String) -> [String: String] {
        var environment = base()
        environment["HOME"] = userHome
        environment["SYNCROPEL_HOME"] = home
        environment["SPL_BOOTSTRAP_TOKEN"] = token
        return environment
    }
}

/// Progress lines on stderr, one per step, so a long run shows where it is.
enum Progress {
    static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
