import Foundation
import SyncropelHome
import Testing

@testable import SyncropelReplica

struct FileObjectStoreTests {
    private func scratch() -> String {
        var template = Array("/tmp/spl-filestore-test-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    private func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func anObjectIsWrittenWholeWithPrivateModesAndNoTemporaryLeft() async throws {
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = FileObjectStore(root: folder + "/replica")
        let key = try ReplicaKey("instance-a/generations/g/segments/one.seg.gz")
        try await store.put(key, Array("first".utf8))
        try await store.put(key, Array("second".utf8))

        #expect(try await store.get(key) == Array("second".utf8))
        #expect(try mode(folder + "/replica") == 0o700)
        #expect(try mode(folder + "/replica/instance-a/generations/g/segments") == 0o700)
        #expect(try mode(folder + "/replica/" + key.rawValue) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/replica/instance-a/generations/g/segments") == ["one.seg.gz"])
        #expect(store.location == "file://\(folder)/replica")
    }

    @Test func listingIsByKeyAndSkipsTemporariesLinksAndForeignNames() async throws {
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = FileObjectStore(root: folder)
        for name in ["a/2", "a/1", "b/c/3"] { try await store.put(try ReplicaKey(name), [1, 2, 3]) }
        try Data([0]).write(to: URL(fileURLWithPath: folder + "/a/.1.tmp-1234"))
        try Data([0]).write(to: URL(fileURLWithPath: folder + "/a/has space"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/a/link", withDestinationPath: "/etc/hostname")

        #expect(try await store.list(prefix: "").map(\.key.rawValue) == ["a/1", "a/2", "b/c/3"])
        #expect(try await store.list(prefix: "a/").map(\.size) == [3, 3])
        #expect(try await store.list(prefix: "missing/").isEmpty)
        #expect(try await store.get(try ReplicaKey("a/missing")) == nil)
        try await store.delete(try ReplicaKey("a/1"))
        try await store.delete(try ReplicaKey("a/1"))
        #expect(try await store.list(prefix: "a/").map(\.key.rawValue) == ["a/2"])
    }

    @Test func aSymbolicLinkInsideTheReplicaIsNeverFollowed() async throws {
        let folder = scratch()
        let outside = scratch()
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: outside)
        }
        try Data("secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/escape", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: folder + "/file", withDestinationPath: outside + "/secret")
        let store = FileObjectStore(root: folder)

        await #expect(throws: FileObjectStoreError.symbolicLink(path: folder + "/escape")) {
            try await store.put(try ReplicaKey("escape/planted"), [1])
        }
        await #expect(throws: FileObjectStoreError.symbolicLink(path: folder + "/escape")) {
            _ = try await store.get(try ReplicaKey("escape/secret"))
        }
        await #expect(throws: FileObjectStoreError.symbolicLink(path: folder + "/file")) {
            _ = try await store.get(try ReplicaKey("file"))
        }
        #expect(!FileManager.default.fileExists(atPath: outside + "/planted"))
        #expect(try await store.list(prefix: "").isEmpty)
        #expect(FileObjectStoreError.symbolicLink(path: "/r/escape").description
            == "/r/escape is a symbolic link inside the replica; replicas never follow one")
        // A key cannot climb out either: `..` is refused before any path is made.
        #expect(throws: ReplicaKeyError.badSegment(key: "../outside")) { try ReplicaKey("../outside") }
    }

    @Test func aFileURLOpensAFolderAndOtherURLsAreRefused() throws {
        let home = HomeLayout(root: "/h")
        #expect((try ReplicaLocation.objectStore(url: "file:///srv/replica/", environment: [:], home: home) as? FileObjectStore)?.root == "/srv/replica")
        #expect(throws: ReplicaLocationError.unsupported(url: "http://x")) { try ReplicaLocation.objectStore(url: "http://x", environment: [:], home: home) }
        let s3 = try ReplicaLocation.objectStore(
            url: "s3://bucket/spl", endpoint: "http://127.0.0.1:9000", pathStyle: true,
            environment: ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "not-in-any-message"], home: home)
        #expect(s3.location == "s3://bucket/spl")
        #expect(ReplicaLocationError.unsupported(url: "file:///a/../b").description
            == "replica URL file:///a/../b is neither file:///absolute/path nor s3://bucket/prefix")
    }
}
