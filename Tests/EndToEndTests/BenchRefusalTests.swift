import Foundation
import Testing

/// spl-bench's refusals before it measures anything (its measures run in scripts/test).
@Suite struct BenchRefusalTests {
    private func bench(_ arguments: [String], path: String) throws -> SPLProcess.Result {
        let process = Process()
        process.executableURL = SPLProcess.binary.deletingLastPathComponent().appendingPathComponent("spl-bench")
        process.arguments = arguments
        process.environment = ["PATH": path, "TMPDIR": FileManager.default.temporaryDirectory.path]
        let (status, stdout, stderr) = try SPLProcess.runToEnd(process)
        return SPLProcess.Result(status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func loadWrkWithoutWrkOnPathFailsInOneLineBeforeMeasuring() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-wrk-\(UUID().uuidString)").path
        let result = try bench(["--quick", "--load", "wrk"], path: empty)
        #expect(result.status == 1)
        #expect(result.stderr == "spl-bench: --load wrk: wrk is not on PATH; install it (apt-get install wrk) or leave out --load wrk\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func anUnknownLoadGeneratorIsRefused() throws {
        let result = try bench(["--quick", "--load", "ab"], path: "/usr/bin:/bin")
        #expect(result.status != 0)
        #expect(result.stderr.contains("The value 'ab' is invalid for '--load <spl-bench|wrk>'"), "\(result.stderr)")
    }
}
