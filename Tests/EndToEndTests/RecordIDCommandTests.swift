import Foundation
import Testing

/// `spl record id` reproduces the SDK's vectors and golden ids (SPEC 3.2).
@Suite struct RecordIDCommandTests {
    struct Vector: Decodable {
        let name: String
        let wire: String
        let canonical: String?
        let id: String?
        let error: Bool?
    }

    static func load(_ name: String) throws -> [Vector] {
        try String(contentsOf: SPLProcess.vectorFile(name), encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Vector.self, from: Data($0.utf8))
        }
    }

    struct Output: Decodable, Equatable {
        let id: String?
        let canonical: String?
        let error: String?
    }

    func runLines(_ vectors: [Vector]) async throws -> [Output] {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let input = vectors.map(\.wire).joined(separator: "\n") + "\n"
        let result = try await spl.run(["record", "id", "--lines"], stdin: Data(input.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        return try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(Output.self, from: Data($0.utf8)) }
    }

    @Test func canonicalVectorsMatchByteForByte() async throws {
        let vectors = try Self.load("canonical-vectors")
        #expect(vectors.count == 19)
        let outputs = try await runLines(vectors)
        try #require(outputs.count == vectors.count)
        for (vector, output) in zip(vectors, outputs) {
            if vector.error == true {
                #expect(output.error != nil, "\(vector.name) should be refused")
            } else {
                #expect(output.canonical == vector.canonical, "\(vector.name)")
                #expect(output.id == vector.id, "\(vector.name)")
            }
        }
    }

    @Test func goldenIDsG1ToG5() async throws {
        let goldens = try Self.load("golden-ids")
        #expect(goldens.map(\.name) == ["G1", "G2", "G3", "G4", "G5"])
        let outputs = try await runLines(goldens)
        #expect(outputs.map(\.id) == goldens.map(\.id))
        #expect(outputs.map(\.id) == [
            "4f8f604cd2a48f651f4acd8c0bc5f4806bf2be1ee06ad0aed7e98ab9827de4a0",
            "c09d1595cf1d99fc834d6ad366fe5dd56df67e38badc94d1ca423f59413d0700",
            "f16dc95e39ffaac9d1ef52535aedfaf169c70540c12c90ade16fcbfc9bcde286",
            "a7c85de8c0c465964018d78491397143648d94a8729ec8824c681f3666ec04ed",
            "c85c5f3cf3656fba9cf93f5a8444227343ae4cfafe0d16b4017896279e347489",
        ])
    }

    @Test func singleEnvelopeTextAndJSON() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let wire = Data(#"{"thread":"t","actor":"did:x:y","act":"KNOW","clock":1,"body":{"b":1.0,"a":[]}}"#.utf8)
        let canonical = #"{"act":"KNOW","actor":"did:x:y","body":{"a":[],"b":1},"clock":1,"data_type":"SCALAR","parents":[],"thread":"t"}"#
        let text = try await spl.run(["record", "id"], stdin: wire)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == canonical)
        #expect(lines.count == 2 && lines[1].count == 64)
        let json = try await spl.run(["record", "id", "-o", "json"], stdin: wire)
        let output = try JSONDecoder().decode(Output.self, from: Data(json.stdout.utf8))
        #expect(output.canonical == canonical)
        #expect(output.id == lines[1])
    }

    @Test func refusalsAreOneLineErrors() async throws {
        let spl = try SPLProcess()
        defer { spl.remove() }
        let bad = try await spl.run(["record", "id"], stdin: Data(#"{"thread":"t","actor":"did:x:y","act":"KNOW","clock":-1,"body":{}}"#.utf8))
        #expect(bad.status != 0)
        #expect(bad.stderr == "Error: INVALID_CLOCK: clock must be 0 or more\n")
        let noClock = try await spl.run(["record", "id"], stdin: Data(#"{"thread":"t","actor":"did:x:y","act":"KNOW","body":{}}"#.utf8))
        #expect(noClock.stderr == "Error: INVALID_CLOCK: the envelope has no clock, so it has no id yet\n")
        let lines = try await spl.run(["record", "id", "--lines"], stdin: Data("{\"a\":\n\n[1]\n".utf8))
        let outputs = lines.stdout.split(separator: "\n").map(String.init)
        #expect(outputs.count == 3)
        #expect(outputs.allSatisfy { $0.hasPrefix(#"{"error":"#) })
    }
}
