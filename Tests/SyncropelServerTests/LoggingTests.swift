import Foundation
import Logging
import SyncropelHome
import SyncropelTestSupport
import Testing

@testable import SyncropelServer

@Suite(.timeLimit(.minutes(2))) struct LoggingTests {
    // MARK: Line format

    @Test func lineHasFixedFieldsThenSortedMetadata() {
        let line = JSONLogHandler.line(
            timestamp: "2026-11-27T13:04:05.123Z", level: .info, target: "store", message: "opened",
            metadata: ["thread": "th_1", "actor": "did:sync:ana", "record": "rec_9"]
        )
        #expect(line == #"{"ts":"2026-11-27T13:04:05.123Z","level":"INFO","target":"store","message":"opened","#
            + #""actor":"did:sync:ana","record":"rec_9","thread":"th_1"}"#)
    }

    @Test func lineEscapesStringsAndKeepsUnicode() throws {
        let message = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} é 日本 🙂"
        let line = JSONLogHandler.line(
            timestamp: "2026-11-27T13:04:05.123Z", level: .error, target: "http", message: message,
            metadata: ["path": "/a \"b\"\n"]
        )
        #expect(!line.contains("\n"))
        #expect(line.contains("é 日本 🙂"))
        #expect(line.contains(#"\u0007"#) && line.contains(#"\u0000"#) && line.contains(#"\n"#))
        let fields = try parse(line)
        #expect(fields == [
            "ts": "2026-11-27T13:04:05.123Z", "level": "ERROR", "target": "http",
            "message": message, "path": "/a \"b\"\n",
        ])
    }

    @Test func metadataNamingAFixedFieldCannotReplaceIt() throws {
        let line = JSONLogHandler.line(
            timestamp: "t", level: .info, target: "http", message: "real", metadata: ["message": "forged"]
        )
        #expect(try parse(line) == ["ts": "t", "level": "INFO", "target": "http", "message": "real", "metadata.message": "forged"])
    }

    @Test func timestampIsUTCWithMilliseconds() {
        #expect(LogTimestamp.format(secondsSinceEpoch: 1_795_784_645, milliseconds: 123) == "2026-11-27T13:04:05.123Z")
        #expect(LogTimestamp.format(secondsSinceEpoch: 0, milliseconds: 7) == "1970-01-01T00:00:00.007Z")
        let now = LogTimestamp.now()
        #expect(now.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
    }

    // MARK: Handler

    @Test func levelsMapToTheFiveNames() throws {
        let scratch = Scratch()
        let file = try RotatingLogFile(path: scratch.log)
        let logger = Logger(label: "startup") { JSONLogHandler(label: $0, file: file, logLevel: .trace) }
        logger.critical("c")
        logger.error("e")
        logger.warning("w")
        logger.notice("n")
        logger.info("i")
        logger.debug("d")
        logger.trace("t")
        let lines = try scratch.lines(scratch.log).map(parse)
        #expect(lines.map { $0["level"] } == ["ERROR", "ERROR", "WARN", "INFO", "INFO", "DEBUG", "TRACE"])
        #expect(lines.map { $0["message"] } == ["c", "e", "w", "n", "i", "d", "t"])
        #expect(lines.allSatisfy { $0["target"] == "startup" })
    }

    @Test func handlerLevelFiltersLines() throws {
        let scratch = Scratch()
        let file = try RotatingLogFile(path: scratch.log)
        let logger = Logger(label: "http") { JSONLogHandler(label: $0, file: file) }
        logger.debug("hidden")
        logger.info("shown")
        #expect(try scratch.lines(scratch.log).map(parse).map { $0["message"] } == ["shown"])
    }

    @Test func metadataMergesHandlerProviderAndCallSite() throws {
        let scratch = Scratch()
        let file = try RotatingLogFile(path: scratch.log)
        let provider = Logger.MetadataProvider { ["actor": "provided", "record": "provided"] }
        var logger = Logger(label: "store") {
            JSONLogHandler(label: $0, file: file, metadataProvider: provider)
        }
        logger[metadataKey: "thread"] = "th_handler"
        logger[metadataKey: "actor"] = "handler"
        logger.info("merged", metadata: ["record": "explicit", "count": "\(3)"])
        struct Broken: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        logger.error("failed", error: Broken())
        let lines = try scratch.lines(scratch.log).map(parse)
        #expect(lines[0] == [
            "ts": lines[0]["ts"]!, "level": "INFO", "target": "store", "message": "merged",
            "thread": "th_handler", "actor": "provided", "record": "explicit", "count": "3",
        ])
        #expect(lines[1]["error.message"] == "disk on fire")
        #expect(lines[1]["error.type"]?.hasSuffix("Broken") == true)
    }

    // MARK: File

    @Test func rotationKeepsSevenFilesNewestInSplLog() throws {
        let scratch = Scratch()
        let file = try RotatingLogFile(path: scratch.log, maxBytes: 100)
        for index in 0..<200 {
            file.append("line \(String(index).leftPadded(to: 3)) " + String(repeating: "x", count: 20))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.folder + "/logs").sorted()
        #expect(names == ["spl.log"] + (1...7).map { "spl.log.\($0)" })
        let newest = try scratch.lines(scratch.log)
        #expect(newest.last?.hasPrefix("line 199 ") == true)
        // Older files hold older lines, each file within maxBytes, none lost between them.
        var expected = 199
        for name in ["spl.log"] + (1...7).map({ "spl.log.\($0)" }) {
            let path = scratch.folder + "/logs/" + name
            #expect(FileMode.of(path) == 0o600)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count <= 100)
            for line in try scratch.lines(path).reversed() {
                #expect(line.hasPrefix("line \(String(expected).leftPadded(to: 3)) "))
                expected -= 1
            }
        }
        #expect(file.droppedLines == 0)
    }

    @Test func concurrentWritersProduceWholeLines() async throws {
        let scratch = Scratch()
        let file = try RotatingLogFile(path: scratch.log)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let logger = Logger(label: "writer\(writer)") { JSONLogHandler(label: $0, file: file) }
                    for index in 0..<500 {
                        logger.info("message \(index) \(String(repeating: "é", count: index % 50))")
                    }
                }
            }
        }
        let lines = try scratch.lines(scratch.log).map(parse)
        #expect(lines.count == 4000)
        for writer in 0..<8 {
            let messages = lines.filter { $0["target"] == "writer\(writer)" }.map { $0["message"]! }
            #expect(messages.map { $0.split(separator: " ")[1] } == (0..<500).map { "\($0)"[...] })
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func aFullDiskDropsAndCountsLines() throws {
        let file = try RotatingLogFile(path: "/dev/full")
        file.append("lost")
        file.append("lost too")
        #expect(file.droppedLines == 2)
    }

    @Test func openFailuresNameThePath() throws {
        let scratch = Scratch()
        try Data().write(to: URL(fileURLWithPath: scratch.folder + "/logs"))
        #expect {
            try RotatingLogFile(path: scratch.folder + "/logs/spl.log")
        } throws: { error in
            "\(error)" == "cannot create folder \(scratch.folder)/logs: Not a directory; a file is in the way of a folder; move it aside"
        }
        #expect {
            try RotatingLogFile(path: scratch.folder)
        } throws: { error in
            "\(error)" == "cannot open \(scratch.folder): Is a directory; check the path and retry"
        }
    }

    // MARK: SPL_LOG

    @Test func splLogNamesTheLevel() throws {
        #expect(try LogLevelSetting.level(from: [:]) == .info)
        #expect(try LogLevelSetting.level(from: ["SPL_LOG": ""]) == .info)
        #expect(try LogLevelSetting.level(from: ["SPL_LOG": "error"]) == .error)
        #expect(try LogLevelSetting.level(from: ["SPL_LOG": "WARN"]) == .warning)
        #expect(try LogLevelSetting.level(from: ["SPL_LOG": "Info"]) == .info)
        #expect(try LogLevelSetting.level(from: ["SPL_LOG": "debug"]) == .debug)
        #expect(try LogLevelSetting.level(from: ["SPL_LOG": "TRACE"]) == .trace)
    }

    @Test func unknownSplLogIsRefused() {
        #expect {
            try LogLevelSetting.level(from: ["SPL_LOG": "verbose"])
        } throws: { error in
            "\(error)" == "SPL_LOG=verbose is not a log level; use one of error, warn, info, debug, trace"
        }
    }

    // MARK: Reading back

    @Test func lastErrorLinesPicksErrorsForATerminal() throws {
        let scratch = Scratch()
        try scratch.write(
            [
                entry("2026-11-27T13:04:01.000Z", "ERROR", "startup", "first"),
                entry("2026-11-27T13:04:02.000Z", "INFO", "startup", "fine"),
                "not json at all",
                entry("2026-11-27T13:04:03.000Z", "ERROR", "store", "file is not a database"),
                entry("2026-11-27T13:04:04.000Z", "WARN", "store", "odd"),
                entry("2026-11-27T13:04:05.000Z", "ERROR", "startup", "stopping"),
            ],
            to: scratch.log
        )
        #expect(LogFileReader.lastErrorLines(in: scratch.log, limit: 2) == [
            "2026-11-27T13:04:03.000Z ERROR store: file is not a database",
            "2026-11-27T13:04:05.000Z ERROR startup: stopping",
        ])
        #expect(LogFileReader.lastErrorLines(in: scratch.log, limit: 10).count == 3)
        #expect(LogFileReader.lastErrorLines(in: scratch.folder + "/missing.log", limit: 5) == [])

        // From an offset: only what was written after it; past the end (a rotated log), all of it.
        let earlier = try #require(FileManager.default.contents(atPath: scratch.log))
        let firstLineEnd = try #require(earlier.firstIndex(of: UInt8(ascii: "\n")))
        #expect(LogFileReader.lastErrorLines(in: scratch.log, from: UInt64(firstLineEnd + 1), limit: 10) == [
            "2026-11-27T13:04:03.000Z ERROR store: file is not a database",
            "2026-11-27T13:04:05.000Z ERROR startup: stopping",
        ])
        #expect(LogFileReader.lastErrorLines(in: scratch.log, from: UInt64(earlier.count), limit: 10) == [])
        #expect(LogFileReader.lastErrorLines(in: scratch.log, from: UInt64(earlier.count + 1), limit: 10).count == 3)
    }

    @Test func followPrintsTheTailThenNewLinesAcrossARotation() async throws {
        let scratch = Scratch()
        try scratch.write(
            [
                entry("t1", "INFO", "startup", "one"),
                entry("t2", "WARN", "store", "two"),
                entry("t3", "ERROR", "http", "three"),
            ],
            to: scratch.log
        )
        let output = Collected()
        let log = scratch.log
        let follower = Task {
            try await LogFileReader.follow(path: log, lastLines: 2, pollInterval: .milliseconds(20)) {
                output.append($0)
            }
        }
        try await output.waitFor(count: 2)
        #expect(output.lines == ["t2 WARN store: two", "t3 ERROR http: three"])

        let file = try RotatingLogFile(path: scratch.log, maxBytes: 600)
        file.append(entry("t4", "INFO", "http", "four"))
        try await output.waitFor(count: 3)
        // Enough lines to rotate spl.log away once between two polls (more rotations than
        // polls would skip a whole file, which 10 MiB files and 200 ms polls never do).
        for index in 5..<15 {
            file.append(entry("t\(index)", "DEBUG", "store", "line \(index)"))
        }
        try await output.waitFor(count: 13)
        follower.cancel()
        try await follower.value
        #expect(FileManager.default.fileExists(atPath: scratch.log + ".1"))
        #expect(!FileManager.default.fileExists(atPath: scratch.log + ".2"))
        #expect(output.lines == ["t2 WARN store: two", "t3 ERROR http: three", "t4 INFO http: four"]
            + (5..<15).map { "t\($0) DEBUG store: line \($0)" })
    }

    // MARK: Helpers

    private func parse(_ line: String) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: String])
    }

    private func entry(_ ts: String, _ level: String, _ target: String, _ message: String) -> String {
        #"{"ts":"\#(ts)","level":"\#(level)","target":"\#(target)","message":"\#(message)"}"#
    }
}

/// A fresh folder under /tmp for one test, removed when the test drops it.
private final class Scratch {
    let folder: String
    var log: String { folder + "/logs/spl.log" }

    init() {
        var template = Array("/tmp/spl-log-test-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func write(_ lines: [String], to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// The lines a follower wrote, read from the test while the follower runs.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.withLock { stored } }

    func append(_ line: String) {
        lock.withLock { stored.append(line) }
    }

    /// Waits for `count` lines (bounded by the suite's time limit).
    func waitFor(count: Int) async throws {
        try await waitUntil { lines.count >= count }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
