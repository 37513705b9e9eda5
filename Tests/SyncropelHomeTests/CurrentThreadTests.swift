import Foundation
import Testing

@testable import SyncropelHome

@Suite struct CurrentThreadTests {
    @Test func aHomeWithoutAnIntendHasNoCurrentThread() throws {
        let scratch = ScratchFolder()
        #expect(try CurrentThread.read(scratch.home) == nil)
    }

    @Test func theLastWrittenThreadIsReadBackFromAPrivateFile() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try CurrentThread.write("th_first", home: home)
        try CurrentThread.write("th_second", home: home)
        #expect(try CurrentThread.read(home) == "th_second")
        #expect(try scratch.read(home.currentThreadFile) == "th_second\n")
        #expect(FileMode.of(home.currentThreadFile) == 0o600)
    }

    @Test func aFileThatIsNotOneThreadIdIsRefusedNamingTheFile() throws {
        let scratch = ScratchFolder()
        let home = scratch.home
        try home.create()
        let cases: [(String, String)] = [
            ("", "thread must be 1–256 bytes"),
            ("th a\n", "thread may hold only A-Z a-z 0-9 _ . : -"),
            ("th_a\nth_b\n", "thread may hold only A-Z a-z 0-9 _ . : -"),
            (String(repeating: "a", count: 300), "it is not one line of at most 256 bytes of UTF-8"),
        ]
        for (contents, reason) in cases {
            try scratch.write(contents, to: home.currentThreadFile)
            #expect(throws: CurrentThreadError.self) { try CurrentThread.read(home) }
            do {
                _ = try CurrentThread.read(home)
            } catch {
                #expect(error.description == "\(home.currentThreadFile) does not hold a thread id (\(reason)); run 'spl intend' to open a thread, or pass --thread")
            }
        }
    }
}
