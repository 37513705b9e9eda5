/// A persisted fold: its encoded state and the last sequence it has folded.
///
/// Never authoritative: the store may drop it at any time and start-up then
/// folds the whole log again.
public struct DerivedStateBlob: Sendable, Equatable {
    public let name: String
    /// Every record with a sequence up to this one is folded into `bytes`.
    public let watermark: Int64
    public let bytes: [UInt8]

    public init(name: String, watermark: Int64, bytes: [UInt8]) {
        self.name = name
        self.watermark = watermark
        self.bytes = bytes
    }
}
