import Testing
@testable import SyncropelReplica

struct ReplicaKeyTests {
    @Test func acceptsTheNamesReplicationWrites() throws {
        let key = try ReplicaKey("instance-0123456789abcdef01234567/g-000001/segments/0000000001-0000000100.seg.gz")
        #expect(key.description.hasSuffix(".seg.gz"))
    }

    @Test(arguments: ["", "/abs", "a//b", "a/./b", "../up", "a/..", "a/b c", "a/é", "trailing/"])
    func refusesAKeyThatCouldLeaveTheReplica(_ raw: String) {
        #expect(throws: ReplicaKeyError.self) { try ReplicaKey(raw) }
    }

    @Test func messagesNameTheKey() {
        #expect(throws: ReplicaKeyError.badSegment(key: "../up")) { try ReplicaKey("../up") }
        #expect(ReplicaKeyError.badSegment(key: "../up").description
            == #"replica object key "../up" has an empty, '.' or '..' segment"#)
        #expect(ReplicaKeyError.badCharacter(key: "a b").description
            == #"replica object key "a b" has a character outside [A-Za-z0-9._-/]"#)
        #expect(ReplicaKeyError.tooLong(2000).description
            == "replica object key of 2000 bytes is longer than 1024")
    }
}
