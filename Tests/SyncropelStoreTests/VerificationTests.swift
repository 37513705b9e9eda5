import Foundation
import GRDB
import SyncropelKit
import SyncropelTestSupport
import Testing

@testable import SyncropelStore

@Suite struct VerificationTests {
    /// Every file in the folder with its bytes and modification time, to prove nothing changed.
    private func snapshot(_ fixture: StoreFixture) throws -> [String: ([UInt8], Date?)] {
        var files: [String: ([UInt8], Date?)] = [:]
        for name in try fixture.listing() {
            let path = fixture.folder + "/" + name
            let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            files[name] = (try fixture.bytes(path), modified)
        }
        return files
    }

    private func expectUnchanged(_ before: [String: ([UInt8], Date?)], _ fixture: StoreFixture) throws {
        let after = try snapshot(fixture)
        #expect(after.keys.sorted() == before.keys.sorted(), "no file created or removed")
        for (name, (bytes, modified)) in before {
            #expect(after[name]?.0 == bytes, "\(name) bytes unchanged")
            #expect(after[name]?.1 == modified, "\(name) mtime unchanged")
        }
    }

    /// A closed backup of `count` records, every other one signed.
    private func makeBackup(_ fixture: StoreFixture, count: Int) async throws -> String {
        let store = try fixture.openStore()
        let identity = SigningIdentity()
        for clock in 0..<count {
            _ = try await store.ingest(draft(clock: Int64(clock)), signingWith: clock.isMultiple(of: 2) ? identity : nil)
        }
        let backup = fixture.folder + "/hub.db.20261127-130405"
        _ = try await store.backup(to: backup)
        try await store.close()
        try FileManager.default.removeItem(atPath: fixture.storePath)
        return backup
    }

    @Test(arguments: [false, true])
    func aSoundBackupVerifiesAndNothingIsWritten(full: Bool) async throws {
        let fixture = StoreFixture()
        let backup = try await makeBackup(fixture, count: 300)
        let before = try snapshot(fixture)
        let steps = CallbackLog<SweepProgress>()
        let report = try await offThePool { try StoreVerification.run(file: backup, full: full) { steps.append($0) } }
        #expect(report.isClean)
        #expect(report.pageCheck == (full ? .integrity : .quick))
        #expect(report.pageCheckDuration > .zero)
        #expect(report.health.schemaVersion == StoreFixture.schemaVersion)
        #expect(report.sweep.recordsChecked == 300)
        #expect(report.sweep.signaturesChecked == 150)
        #expect(steps.last == SweepProgress(done: 300, total: 300))
        try expectUnchanged(before, fixture)
    }

    @Test func aZeroFilledFileFailsBeforeItsRecordsAreRead() async throws {
        let fixture = StoreFixture()
        let path = fixture.folder + "/zero.db"
        try fixture.write([UInt8](repeating: 0, count: 8192), to: path)
        let before = try snapshot(fixture)
        let error = #expect(throws: StoreVerificationError.self) { try StoreVerification.run(file: path, full: false) }
        #expect(error?.description == "store \(path) is damaged: file is not a database (SQLite error 26)")
        try expectUnchanged(before, fixture)
    }

    @Test func aTamperedRecordAndAForgedSignatureAreEachNamed() async throws {
        let fixture = StoreFixture()
        let backup = try await makeBackup(fixture, count: 10)
        let database = try DatabaseQueue(path: backup)
        let (tampered, forged) = try await database.write { db in
            let tampered = try String.fetchOne(db, sql: "SELECT id FROM records WHERE sequence = 4")!
            try db.execute(sql: "UPDATE records SET canonical = replace(canonical, 'hello', 'HELLO') WHERE sequence = 4")
            let forged = try String.fetchOne(db, sql: "SELECT id FROM records WHERE sequence = 7")!
            let otherSig = try String.fetchOne(db, sql: "SELECT sig FROM records WHERE sequence = 9")!
            try db.execute(sql: "UPDATE records SET sig = ? WHERE sequence = 7", arguments: [otherSig])
            return (tampered, forged)
        }
        try database.close()
        let report = try await offThePool { try StoreVerification.run(file: backup, full: true) }
        #expect(!report.isClean)
        #expect(report.sweep.badRecords.map(\.storedID) == [tampered])
        #expect(report.sweep.badSignatures.map(\.storedID) == [forged])
        #expect(report.sweep.badSignatures.first?.description.hasPrefix("record \(forged) (sequence 7): bad signature: ") == true)
    }

    @Test func signaturesCheckedOnEveryCoreAreReportedInSequenceOrder() async throws {
        let identity = SigningIdentity()
        let other = SigningIdentity()
        let records = try (0..<1000).map { clock -> SweptRecord in
            let unsigned = try Record(
                act: .know, actor: "did:example:alice", body: JSONObject(["n": .integer(JSONInteger(Int64(clock)))]),
                clock: Int64(clock), thread: "th_fixture")
            var signed = try identity.sign(unsigned)
            if clock == 10 || clock == 990 {
                // Another key's signature, claimed by the usual signer.
                signed.signature = RecordSignature(sig: try other.sign(unsigned).signature!.sig, signer: identity.didKey.description)
            }
            return SweptRecord(canonical: signed.canonical, signature: signed.signature!, storedID: signed.id.hex, sequence: Int64(clock + 1))
        }
        let lanes = await offThePool { ContentAddressSweep.inLanes(records, ContentAddressSweep.checkSignatures) }
        #expect(lanes.count == min(
            ProcessInfo.processInfo.activeProcessorCount * ContentAddressSweep.piecesPerCore, 1000 / ContentAddressSweep.minimumPerLane))
        let findings = lanes.flatMap { $0 }
        #expect(findings.map(\.sequence) == [11, 991])
        #expect(ContentAddressSweep.checkSignatures(records) == findings)
    }
}
