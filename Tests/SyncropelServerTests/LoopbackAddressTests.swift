import Testing

@testable import SyncropelServer

/// One rule for "only this machine reaches it": bind names (`--host`) and peer addresses alike.
@Suite struct LoopbackAddressTests {
    @Test(arguments: ["localhost", "LOCALHOST", "127.0.0.1", "127.0.0.2", "::1", "[::1]", "::ffff:127.0.0.1"])
    func loopback(_ address: String) {
        #expect(LoopbackAddress.contains(address))
    }

    @Test(arguments: ["0.0.0.0", "::", "10.0.0.1", "192.168.1.127", "::ffff:10.0.0.1", "localhost.example", "128.0.0.1"])
    func notLoopback(_ address: String) {
        #expect(!LoopbackAddress.contains(address))
    }
}
