import CompressNIO
import NIOCore

/// gzip for replica objects (system zlib through CompressNIO), so anyone can read one with `zcat`.
enum Gzip {
    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = try input.compress(with: .gzip())
        return output.readBytes(length: output.readableBytes) ?? []
    }

    /// Refuses output larger than `limit`: an object from storage may be a decompression bomb.
    static func decompress(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = try input.decompress(with: .gzip(), maxSize: limit)
        return output.readBytes(length: output.readableBytes) ?? []
    }
}
