import Foundation
import Testing

/// `spl version`, `spl init` and `spl identity show` against scratch homes.
@Suite struct HomeCommandTests {
    @Test func versionNamesSemverAndCommit() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["version"])
        #expect(result.status == 0)
        let pattern = #/^spl \d+\.\d+\.\d+ \([0-9a-z-]+\)\n$/#
        #expect(result.stdout.wholeMatch(of: pattern) != nil, "\(result.stdout)")
        let json = try await spl.run(["version", "-o", "json"])
        #expect(json.stdout.wholeMatch(of: #/^\{"object":"version","version":"\d+\.\d+\.\d+","commit":"[0-9a-z-]+"\}\n$/#) != nil, "\(json.stdout)")
    }

    @Test func initCreatesTheLayoutWithPrivateModes() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["init"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Identity: did:key:z6Mk"))
        let home = spl.home.path
        for folder in ["", "/keys", "/secrets", "/run", "/logs"] {
            #expect(try mode(home + folder) == 0o700, "\(folder)")
        }
        for file in ["/hub.db", "/config.toml", "/keys/primary.key", "/keys/primary.pub"] {
            #expect(try mode(home + file) == 0o600, "\(file)")
        }
        let config = try String(contentsOfFile: home + "/config.toml", encoding: .utf8)
        #expect(config.contains("did = 'did:key:z6Mk"))
        #expect(config.contains("actor = 'did:sync:user:tester'"))
    }

    @Test func initOnAnInitialisedHomeChangesNothingAndSaysSo() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let before = try await spl.run(["identity", "show", "-o", "json"]).stdout
        let identity = try #require(try JSONSerialization.jsonObject(with: Data(before.utf8)) as? [String: Any])
        let keyBytes = try Data(contentsOf: spl.home.appendingPathComponent("keys/primary.key"))
        let again = try await spl.run(["init"])
        #expect(again.status == 0)
        #expect(again.stderr == "")
        #expect(again.stdout == """
            Syncropel home \(spl.home.path) is already initialised; nothing was changed
            Identity: \(identity["did"] as? String ?? "?")
            Instance: \(identity["instance_did"] as? String ?? "?")
            (spl init --force replaces this identity with a new one: a new instance)

            """)
        #expect(try await spl.run(["identity", "show", "-o", "json"]).stdout == before)
        #expect(try Data(contentsOf: spl.home.appendingPathComponent("keys/primary.key")) == keyBytes)
        let json = try await spl.run(["init", "-o", "json"])
        #expect(json.status == 0)
        #expect(json.stdout == #"{"object":"home","home":"\#(spl.home.path)","did":"\#(identity["did"] as? String ?? "?")","instance_did":"\#(identity["instance_did"] as? String ?? "?")","initialised":false}"# + "\n")
        let forced = try await spl.run(["init", "--force"])
        #expect(forced.status == 0)
        #expect(try await spl.run(["identity", "show", "-o", "json"]).stdout != before)
    }

    @Test func identityShowInTextAndJSON() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let json = try await spl.run(["identity", "show", "-o", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String])
        let did = try #require(object["did"])
        let instance = try #require(object["instance_did"])
        #expect(did.hasPrefix("did:key:z6Mk"))
        #expect(instance.wholeMatch(of: #/did:sync:instance:[0-9a-f]{24}/#) != nil)
        #expect(object["actor"] == "did:sync:user:tester")
        #expect(object["key_path"] == spl.home.path + "/keys/primary.key")
        let text = try await spl.run(["identity", "show"]).stdout
        #expect(text.contains("DID:      \(did)\n"))
        #expect(text.contains("Instance: \(instance)\n"))
        let overridden = try await spl.run(["identity", "show", "-o", "json"], extraEnvironment: ["SPL_ACTOR": "did:sync:agent:dev"])
        #expect(overridden.stdout.contains(#""actor":"did:sync:agent:dev""#))
    }

    @Test func identityShowWithoutAHomeSaysWhatToDo() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let result = try await spl.run(["identity", "show"])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(spl.home.path) has no identity yet; run 'spl init' to create one\n")
    }

    @Test func identityShowRefusesAnOpenKey() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        try await spl.run(["init"])
        let key = spl.home.path + "/keys/primary.key"
        chmod(key, 0o644)
        let result = try await spl.run(["identity", "show"])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: private key file \(key) has mode 0644, open to group or others; fix it with: chmod 600 \(key)\n")
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as! NSNumber).intValue
    }
}
