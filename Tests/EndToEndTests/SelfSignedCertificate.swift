import Foundation
import Testing

/// A self-signed certificate for 127.0.0.1 (its own CA) and its key, made by openssl.
enum SelfSignedCertificate {
    /// Writes cert.pem and key.pem in `folder`; blocking, so call it through `offThePool`.
    static func make(in folder: String) throws -> (certificate: String, key: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", folder + "/key.pem", "-out", folder + "/cert.pem",
        ]
        let result = try SPLProcess.runToEnd(process)
        try #require(result.status == 0, "openssl: \(String(decoding: result.stderr, as: UTF8.self))")
        return (folder + "/cert.pem", folder + "/key.pem")
    }
}
