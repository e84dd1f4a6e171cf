/// A file at the provider (`/files`): an uploaded batch input, or a batch's output or error file.
public struct RemoteFile: Sendable, Equatable, Decodable, Identified {
    public var id: String
    public var bytes: Int?
    public var filename: String?
    public var purpose: String?
    public var createdAt: Int?

    enum CodingKeys: String, CodingKey {
        case id, bytes, filename, purpose
        case createdAt = "created_at"
    }
}
