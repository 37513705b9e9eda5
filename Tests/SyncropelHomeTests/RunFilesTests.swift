import Foundation
import Testing

@testable import SyncropelHome

@Suite struct RunInfoTests {
    let info = RunInfo(
        pid: 4242, host: "127.0.0.1", port: 9300, socket: "/h/run/spl.sock", version: "0.1.0",
        phase: "backup 42%", startedAt: Date(timeIntervalSince1970: 1_760_000_000))

    @Test func roundTrips() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.json"
        try info.write(to: path)
        #expect(try RunInfo.read(from: path) == info)
        #expect(FileMode.of(path) == 0o600)
    }

    @Test func writesTheSpecFieldNames() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.json"
        try info.write(to: path)
        #expect(try scratch.read(path) == """
            {"host":"127.0.0.1","phase":"backup 42%","pid":4242,"port":9300,\
            "socket":"/h/run/spl.sock","started_at":"2025-10-09T08:53:20Z","version":"0.1.0"}

            """)
    }

    @Test func rewritingReplacesTheWholeFile() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.json"
        try info.write(to: path)
        var ready = info
        ready.phase = "ready"
        try ready.write(to: path)
        #expect(try RunInfo.read(from: path)?.phase == "ready")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        #expect(leftovers == ["spl.json"])
    }

    @Test func missingFileIsNil() throws {
        let scratch = ScratchFolder()
        #expect(try RunInfo.read(from: scratch.path + "/spl.json") == nil)
    }

    @Test(arguments: [
        ("{\"pid\": 1", "not JSON"),
        ("{\"pid\": 1}", "missing host"),
        ("{\"pid\":\"x\",\"host\":\"h\",\"port\":1,\"socket\":\"s\",\"version\":\"v\",\"phase\":\"p\",\"started_at\":\"2025-01-01T00:00:00Z\"}",
         "wrong type at pid"),
        ("{\"pid\":1,\"host\":\"h\",\"port\":1,\"socket\":\"s\",\"version\":\"v\",\"phase\":\"p\",\"started_at\":\"yesterday\"}",
         "bad value at started_at"),
    ])
    func malformedFileIsReported(text: String, reason: String) throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.json"
        try scratch.write(text, to: path)
        #expect(throws: HomeError.malformedRunFile(path: path, reason: reason)) {
            try RunInfo.read(from: path)
        }
    }
}

@Suite struct PIDFileTests {
    @Test func roundTrips() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.pid"
        try PIDFile.write(4242, to: path)
        #expect(try scratch.read(path) == "4242\n")
        #expect(try PIDFile.read(from: path) == 4242)
        #expect(FileMode.of(path) == 0o600)
    }

    @Test func missingOrEmptyIsNil() throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.pid"
        #expect(try PIDFile.read(from: path) == nil)
        try scratch.write(" \n", to: path)
        #expect(try PIDFile.read(from: path) == nil)
    }

    @Test(arguments: ["abc", "-5", "0", "99999999999"])
    func garbageIsReported(text: String) throws {
        let scratch = ScratchFolder()
        let path = scratch.path + "/spl.pid"
        try scratch.write(text + "\n", to: path)
        #expect(throws: HomeError.malformedRunFile(path: path, reason: "expected a pid, found \"\(text)\"")) {
            try PIDFile.read(from: path)
        }
    }
}
