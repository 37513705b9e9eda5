#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HummingbirdTLS
import SyncropelHome

/// The TLS settings of the TCP listener, from `[server] tls_cert` and `tls_key`, read and
/// checked before anything binds so a bad file stops the start with its path.
///
/// The key file is a secret: like the instance key, it is refused when group or others may
/// read it. No message here holds a byte of either file.
enum ListenerTLS {
    static func configuration(certificate: String, key: String) throws(StartupError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw .configuration("TLS certificate \(certificate) (server.tls_cert) cannot be read as PEM: \(error)")
        }
        guard !chain.isEmpty else {
            throw .configuration("TLS certificate \(certificate) (server.tls_cert) holds no PEM certificate")
        }
        let file: (bytes: [UInt8], mode: mode_t)?
        do {
            file = try PrivateFiles.contents(of: key)
        } catch {
            throw .configuration("TLS key \(key) (server.tls_key) cannot be read: \(error)")
        }
        guard let file else { throw .configuration("TLS key \(key) (server.tls_key) does not exist") }
        guard !FileMode.isOpenToOthers(file.mode) else {
            throw .configuration(
                "TLS key \(key) (server.tls_key) has mode \(FileMode.octal(file.mode)), open to group or others; fix it with: chmod 600 \(key)")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: file.bytes, format: .pem)
        } catch {
            throw .configuration("TLS key \(key) (server.tls_key) is not a PEM private key: \(error)")
        }
        // A key that does not belong to the certificate is found when the listener builds its context.
        return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }
}
