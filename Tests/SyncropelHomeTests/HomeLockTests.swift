import Foundation
import SyncropelTestSupport
import Testing

@testable import SyncropelHome

@Suite struct HomeLockTests {
    @Test func secondAcquireFailsWithTheOwnersPid() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let lock = try HomeLock.acquire(home)
        // flock locks belong to an open file description, so this process's second open conflicts.
        let error = #expect(throws: HomeError.self) { try HomeLock.acquire(home) }
        #expect(error == .locked(home: home.root, pid: getpid()))
        #expect(error?.description == "another spl serve (pid \(getpid())) owns \(home.root)")
        lock.release()
    }

    @Test func lockFileHoldsOurPid() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try home.create()
        try scratch.write("4242 left by a previous owner, longer than our pid\n", to: home.lockFile)
        let lock = try HomeLock.acquire(home)
        #expect(try scratch.read(home.lockFile) == "\(getpid())\n")
        #expect(HomeLock.ownerPID(home) == getpid())
        lock.release()
    }

    @Test func releaseLeavingContentsReplacesThePidOnTheSameInode() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let lock = try HomeLock.acquire(home)
        var before = stat()
        stat(home.lockFile, &before)
        lock.release(leaving: Array("{\"size\":1}\n".utf8))
        #expect(try scratch.read(home.lockFile) == "{\"size\":1}\n")
        var after = stat()
        stat(home.lockFile, &after)
        #expect(after.st_ino == before.st_ino)
        #expect(!HomeLock.isHeld(home))
        #expect(HomeLock.ownerPID(home) == nil, "a stamp is not a pid")
    }

    @Test func releaseFreesTheLockAndKeepsTheFile() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let lock = try HomeLock.acquire(home)
        #expect(HomeLock.isHeld(home))
        lock.release()
        lock.release()
        #expect(!HomeLock.isHeld(home))
        #expect(FileManager.default.fileExists(atPath: home.lockFile))
        try HomeLock.acquire(home).release()
    }

    @Test func droppingTheLockReleasesIt() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        do {
            _ = try HomeLock.acquire(home)
        }
        #expect(!HomeLock.isHeld(home))
    }

    @Test func isHeldDoesNotCreateTheFile() {
        let scratch = ScratchFolder()
        let home = scratch.home
        #expect(!HomeLock.isHeld(home))
        #expect(!FileManager.default.fileExists(atPath: home.runDirectory))
    }

    @Test func ownerPidFallsBackToThePidFile() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try home.create()
        try scratch.write("", to: home.lockFile)
        #expect(HomeLock.ownerPID(home) == nil)
        try PIDFile.write(4242, to: home.pidFile)
        #expect(HomeLock.ownerPID(home) == 4242)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
    func anotherProcessSeesTheLock() async throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        let lock = try HomeLock.acquire(home)
        #expect(try await flockCommand(home.lockFile) == 1)
        lock.release()
        #expect(try await flockCommand(home.lockFile) == 0)
    }

    /// util-linux `flock --nonblock`: exit 1 when another process holds the lock.
    private func flockCommand(_ path: String) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["--nonblock", "--conflict-exit-code", "1", path, "true"]
        try process.run()
        return await process.exitStatus()
    }
}
