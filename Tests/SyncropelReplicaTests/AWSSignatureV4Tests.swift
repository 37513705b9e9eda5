import Foundation
import Testing
@testable import SyncropelReplica

struct AWSSignatureV4Tests {
    static let exampleCredentials = S3Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        source: .environment)

    /// AWS's own worked example ("Signature Calculations for the Authorization Header",
    /// GET Object), independent of botocore.
    @Test func signsAWSsGetObjectExample() {
        let signer = AWSSignatureV4(credentials: Self.exampleCredentials, region: "us-east-1")
        let request = AWSSignatureV4.Request(
            method: "GET", scheme: "https", host: "examplebucket.s3.amazonaws.com", port: nil, path: "/test.txt",
            headers: [.init("Range", "bytes=0-9")], payloadSHA256: AWSSignatureV4.sha256Hex([]))
        let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
        #expect(signer.signingParts(request, at: date).canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        let headers = signer.sign(request, at: date)
        #expect(headers.map(\.name) == ["Host", "Range", "X-Amz-Date", "X-Amz-Content-SHA256", "Authorization"])
        #expect(headers.last?.value == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func theSecretIsInNoHeaderAndNoSignedText() {
        let credentials = S3Credentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "very-secret-value", sessionToken: "session-token-value",
            source: .environment)
        let signer = AWSSignatureV4(credentials: credentials, region: "eu-west-1")
        let request = AWSSignatureV4.Request(
            method: "PUT", scheme: "http", host: "127.0.0.1", port: 9000, path: "/bucket/key",
            payloadSHA256: AWSSignatureV4.sha256Hex([1, 2, 3]))
        let parts = signer.signingParts(request, at: Date(timeIntervalSince1970: 0))
        let everything = signer.sign(request, at: Date(timeIntervalSince1970: 0)).map { "\($0.name): \($0.value)" }
            + [parts.canonicalRequest, parts.stringToSign]
        #expect(everything.allSatisfy { !$0.contains("very-secret-value") })
        // The session token is sent and signed, as S3 wants it.
        #expect(parts.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
    }

    @Test func callersCannotReplaceTheHeadersTheSignerOwns() {
        let signer = AWSSignatureV4(credentials: Self.exampleCredentials, region: "us-east-1")
        let request = AWSSignatureV4.Request(
            method: "GET", scheme: "http", host: "Example.COM", port: 80, path: "/",
            headers: [.init("Host", "evil.example"), .init("Authorization", "x"), .init("x-amz-date", "19700101T000000Z")],
            payloadSHA256: AWSSignatureV4.sha256Hex([]))
        let headers = signer.sign(request, at: Date(timeIntervalSince1970: 86_400))
        #expect(headers.filter { $0.name.lowercased() == "host" }.map(\.value) == ["example.com"])
        #expect(headers.filter { $0.name.lowercased() == "x-amz-date" }.map(\.value) == ["19700102T000000Z"])
        #expect(headers.filter { $0.name.lowercased() == "authorization" }.count == 1)
    }

    @Test func encodesLikeRFC3986() {
        #expect(AWSSignatureV4.uriEncode("a b/c~d_e-f.g", keepingSlashes: true) == "a%20b/c~d_e-f.g")
        #expect(AWSSignatureV4.uriEncode("a/b+c=d&é", keepingSlashes: false) == "a%2Fb%2Bc%3Dd%26%C3%A9")
        #expect(AWSSignatureV4.canonicalQuery([.init("b", ""), .init("a", "2"), .init("a", "1"), .init("A", "z")])
            == "A=z&a=1&a=2&b=")
    }

    @Test func hostHeaderDropsOnlyTheSchemesDefaultPort() {
        func host(_ scheme: String, _ port: Int?) -> String {
            AWSSignatureV4.Request(method: "GET", scheme: scheme, host: "S3.Example", port: port, path: "/", payloadSHA256: "")
                .hostHeader
        }
        #expect(host("https", 443) == "s3.example")
        #expect(host("http", 80) == "s3.example")
        #expect(host("https", 80) == "s3.example:80")
        #expect(host("http", nil) == "s3.example")
        #expect(host("http", 9000) == "s3.example:9000")
    }
}
