import Foundation
import Testing
@testable import SyncropelReplica

/// The signer against botocore's `S3SigV4Auth`: requests made by Tests/s3/sigv4_vectors.py,
/// signed there, signed again here, compared header for header.
struct AWSSignatureV4VectorTests {
    /// 200 vectors botocore 1.44.18 signed (seed 20261205), kept in the repository so that
    /// `swift test` alone checks the signer against botocore.
    @Test func matchesBotocoreOnTheKeptVectors() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("s3/sigv4-vectors.jsonl")
        let checked = try SigV4Vector.checkAll(in: file)
        #expect(checked == 200)
    }

    /// Fresh random vectors from Tests/s3/run-sigv4-differential.sh, which sets
    /// SPL_SIGV4_VECTORS and SPL_SIGV4_RESULT and reads back how many were checked, so a run
    /// that skipped this test, or read a short file, fails the script.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SPL_SIGV4_VECTORS"] != nil))
    func matchesBotocoreOnFreshVectors() throws {
        let environment = ProcessInfo.processInfo.environment
        let vectors = try #require(environment["SPL_SIGV4_VECTORS"])
        let result = try #require(environment["SPL_SIGV4_RESULT"], "SPL_SIGV4_RESULT must name the file for the count")
        let checked = try SigV4Vector.checkAll(in: URL(fileURLWithPath: vectors))
        try "\(checked)\n".write(toFile: result, atomically: true, encoding: .utf8)
    }
}

/// One line of a vector file; names as sigv4_vectors.py writes them.
struct SigV4Vector: Decodable {
    let method: String
    let scheme: String
    let host: String
    let port: Int?
    let path: String
    let query: [[String]]
    let headers: [[String]]
    let payload_base64: String
    let region: String
    let service: String
    let access_key: String
    let secret_key: String
    let session_token: String?
    let epoch: Int
    let authorization: String
    let x_amz_date: String
    let x_amz_content_sha256: String

    /// Signs every vector of `file` and records an issue for each that differs; the number read.
    static func checkAll(in file: URL) throws -> Int {
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty, "\(file.path) holds no vectors")
        for (index, line) in lines.enumerated() {
            let vector = try JSONDecoder().decode(SigV4Vector.self, from: Data(line.utf8))
            try vector.check(line: index + 1)
        }
        return lines.count
    }

    func check(line: Int) throws {
        let payload = try #require(Data(base64Encoded: payload_base64), "line \(line): payload is not base64")
        let signer = AWSSignatureV4(
            credentials: S3Credentials(
                accessKeyID: access_key, secretAccessKey: secret_key, sessionToken: session_token, source: .environment),
            region: region, service: service)
        let request = AWSSignatureV4.Request(
            method: method, scheme: scheme, host: host, port: port, path: path,
            query: try pairs(query, line: line), headers: try pairs(headers, line: line),
            payloadSHA256: AWSSignatureV4.sha256Hex(Array(payload)))
        let date = Date(timeIntervalSince1970: TimeInterval(epoch))
        let sent = signer.sign(request, at: date)
        func value(_ name: String) -> String? { sent.first { $0.name == name }?.value }
        #expect(value("Authorization") == authorization,
            "line \(line): canonical request was\n\(signer.signingParts(request, at: date).canonicalRequest)")
        #expect(value("X-Amz-Date") == x_amz_date, "line \(line)")
        #expect(value("X-Amz-Content-SHA256") == x_amz_content_sha256, "line \(line)")
        #expect(value("X-Amz-Security-Token") == session_token, "line \(line)")
    }

    private func pairs(_ lists: [[String]], line: Int) throws -> [AWSSignatureV4.Field] {
        try lists.map { pair in
            try #require(pair.count == 2, "line \(line): \(pair) is not a [name, value] pair")
            return AWSSignatureV4.Field(pair[0], pair[1])
        }
    }
}
