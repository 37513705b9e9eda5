import Foundation
import SyncropelTestSupport
import Testing

/// Issue 13, modes and links: another user who can enter run/ can write through the socket,
/// and what the socket writes the instance key signs. The daemon makes its files private
/// whatever the umask, puts back modes someone loosened, and refuses to follow links.
@Suite(.timeLimit(.minutes(3))) struct HomeModesTests {
    private func mode(_ path: String) -> Int {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_mode & 0o7777) : -1
    }

    @Test func underUmask000EveryFileTheDaemonMakesIsPrivate() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"umask 000 && exec "$0" serve --daemon --port "$1""#, SPLProcess.binary.path, String(daemon.port)]
        process.environment = daemon.spl.environment
        process.standardInput = FileHandle.nullDevice
        let (status, _, errorData) = try await offThePool { try SPLProcess.runToEnd(process) }
        try #require(status == 0, "\(String(decoding: errorData, as: UTF8.self))")
        _ = try await daemon.cli(["know", "under umask 000", "--thread", "th_modes"])
        for folder in ["run", "logs", "keys", "secrets"] {
            #expect(mode(daemon.home + "/" + folder) == 0o700, "\(folder)")
        }
        for file in ["run/spl.pid", "run/spl.json", "logs/spl.log", "hub.db", "hub.db-wal", "hub.db-shm", "config.toml"] {
            #expect(mode(daemon.home + "/" + file) == 0o600, "\(file) is \(String(mode(daemon.home + "/" + file), radix: 8))")
        }
        #expect(mode(daemon.home + "/run/spl.sock") & 0o077 == 0, "socket is \(String(mode(daemon.home + "/run/spl.sock"), radix: 8))")
    }

    @Test func loosenedModesArePutBackAtTheNextStartAndLogged() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        #expect(chmod(daemon.home + "/run", 0o755) == 0)
        #expect(chmod(daemon.store, 0o644) == 0)
        let doctor = try await daemon.spl.doctor()
        #expect(doctor.row("run mode") == [
            "name": "run mode", "status": "fail", "detail": "open to group or others: \(daemon.home)/run 0755",
            "fix": "chmod 700 \(daemon.home)/run",
        ])

        _ = try await daemon.serveReady()
        #expect(mode(daemon.home + "/run") == 0o700)
        #expect(mode(daemon.store) == 0o600)
        let warnings = daemon.logLines.filter { $0["level"] as? String == "WARN" }.compactMap { $0["message"] as? String }
        #expect(warnings.contains("mode of \(daemon.home)/run was 0755, set to 0700"), "\(warnings)")
        #expect(warnings.contains("mode of \(daemon.store) was 0644, set to 0600"), "\(warnings)")
    }

    @Test func aLinkedLogFileIsNeverAppendedTo() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let elsewhere = daemon.spl.scratch.path + "/someone-elses.log"
        try "theirs\n".write(toFile: elsewhere, atomically: true, encoding: .utf8)
        let log = daemon.home + "/logs/spl.log"
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: elsewhere)

        let refused = try await daemon.serve()
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(
            "cannot open \(log): Too many levels of symbolic links; it is a symbolic link, which spl does not follow there;"
                + " replace it with a regular file"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: elsewhere, encoding: .utf8) == "theirs\n")
    }

    @Test func aLinkedRunFolderIsRefused() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        _ = try await daemon.serveReady()
        #expect(try await daemon.stopDaemon().status == 0)
        let run = daemon.home + "/run"
        let elsewhere = daemon.spl.scratch.path + "/shared-run"
        try FileManager.default.moveItem(atPath: run, toPath: elsewhere)
        #expect(chmod(elsewhere, 0o777) == 0)
        try FileManager.default.createSymbolicLink(atPath: run, withDestinationPath: elsewhere)

        let doctor = try await daemon.spl.doctor()
        #expect(doctor.row("run mode") == [
            "name": "run mode", "status": "fail", "detail": "\(run) is a symbolic link", "fix": "rm \(run) && mkdir -m 700 \(run)",
        ])
        let refused = try await daemon.serve()
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: failed to start spl serve: \(run) is a symbolic link, which spl does not follow inside the home;"
            + " replace it with a folder: rm \(run) && mkdir -m 700 \(run)\n")
        #expect(!FileManager.default.fileExists(atPath: elsewhere + "/spl.sock"), "no socket in the linked folder")
    }
}

/// Issue 13: `spl stop` refused to stop a daemon whose home was reached through a symlinked
/// parent folder, because the lock file was compared by its unresolved path.
@Suite(.timeLimit(.minutes(2))) struct LinkedHomeTests {
    @Test func stopFindsTheDaemonOfAHomeReachedThroughALink() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.tearDown() }
        let real = daemon.spl.scratch.path + "/real"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let link = daemon.spl.scratch.path + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let environment = ["SYNCROPEL_HOME": link + "/home"]
        let started = try await daemon.spl.run(["serve", "--daemon", "--port", String(daemon.port)], timeout: 60, extraEnvironment: environment)
        try #require(started.status == 0, "\(started.stderr)")
        let stopped = try await daemon.spl.run(["stop"], timeout: 40, extraEnvironment: environment)
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(DaemonProcess.isLockFree(home: real + "/home"))
    }
}
